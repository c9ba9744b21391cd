import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). The hash string
 * carries its parameters, so raising them later still verifies old hashes.
 */

/** The argon2id parameters (memory in KiB). */
export const ARGON2ID = { algorithm: 2 /* Algorithm.Argon2id (an ambient const enum) */, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 12;

/** The argon2id hash (PHC string) of `password`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** Whether `password` matches `phc`; a malformed hash is a mismatch. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

// Verified against when the username is unknown, so a miss costs the same time as a hit.
let dummyHash: Promise<string> | undefined;

/** Spends one argon2id verification for an unknown user (no timing oracle for usernames). */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('orion-unknown-user-placeholder');
  await verifyPassword(await dummyHash, password);
  return false;
}
