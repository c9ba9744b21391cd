import { createHash, randomBytes } from 'node:crypto';

/** Opaque bearer secrets (refresh tokens, challenges, API keys): random, stored only as SHA-256. */

/** A new opaque secret with a readable prefix (256 random bits). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps of a secret. High-entropy input, so a plain SHA-256 suffices. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
