import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import type { Queryable } from '../store/types.ts';

/**
 * The Ed25519 key that signs the audit chain's head. It lives in a file outside the database
 * (ORION_AUDIT_KEY_FILE, default ORION_DATA_DIR/audit-checkpoint-key.pem, mode 0600): someone who
 * can rewrite tables but not read that file cannot re-sign a shortened chain.
 */

/** The checkpoint signing key and its short id. */
export interface CheckpointKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Builds a CheckpointKey from a PKCS#8 PEM private key. */
export function checkpointKeyFromPem(pem: string): CheckpointKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  return { keyId, privateKey, publicKey };
}

/** A fresh key (tests; first run). */
export function generateCheckpointKey(): { key: CheckpointKey; pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: checkpointKeyFromPem(pem), pem };
}

/** Reads the key file, creating it (0600, never overwriting) on first run. */
export function loadOrCreateCheckpointKey(path: string): CheckpointKey {
  try {
    return checkpointKeyFromPem(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { key, pem } = generateCheckpointKey();
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}

function message(seq: bigint, hash: string): Buffer {
  return Buffer.from(`orion-audit-checkpoint:v1:${seq}:${hash}`);
}

/** Signature (base64url) of the head (seq, hash). */
export function signHead(key: CheckpointKey, seq: bigint, hash: string): string {
  return sign(null, message(seq, hash), key.privateKey).toString('base64url');
}

/** Whether `signature` signs the head (seq, hash) under `key`. */
export function headSignatureValid(key: CheckpointKey, seq: bigint, hash: string, signature: string): boolean {
  try {
    return verify(null, message(seq, hash), key.publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * The key for a command that appends to an existing database's audit log from outside the server
 * (the CLI's database path): the key at `path` only if it is the one the log's head is signed
 * with. Created at `path` only when the log has no signed head yet (a new database). A CLI run
 * with another ORION_DATA_DIR (another host, another working directory) used to create a key of
 * its own and re-sign the head with it: `audit verify` then reported tampering until the server
 * re-signed. Refused instead, naming the key the head is signed with.
 */
export async function checkpointKeyFor(db: Queryable, path: string): Promise<CheckpointKey> {
  const head = await db.query<{ key_id: string }>('select key_id from audit_checkpoint');
  const signedBy = head.rows[0]?.key_id;
  if (signedBy === undefined) return loadOrCreateCheckpointKey(path);
  let key: CheckpointKey;
  try {
    key = checkpointKeyFromPem(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError(`the audit log's head is signed with key ${signedBy}, and ${path} does not exist: run this with the server's ORION_DATA_DIR, or ORION_AUDIT_KEY_FILE naming its key (a new key here would make audit verify report tampering)`);
  }
  if (key.keyId !== signedBy) {
    throw new InputError(`the audit log's head is signed with key ${signedBy}, but ${path} holds key ${key.keyId}: run this with the server's ORION_DATA_DIR, or ORION_AUDIT_KEY_FILE naming its key`);
  }
  return key;
}
