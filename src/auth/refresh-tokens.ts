import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.ts';
import { newSecret, secretHash } from './secret-token.ts';

/**
 * Refresh tokens (RFC 9700 §4.14.2): opaque, stored hashed, one family per login. Every use
 * rotates: the presented token is marked used and a new one of the same family issued. A used
 * or revoked token presented again means it leaked: the whole family is revoked. Expiries are
 * set and compared by the database's clock (`now()`), never an API instance's own.
 */

/** Outcome of presenting a refresh token. */
export type RefreshOutcome =
  | { status: 'rotated'; userId: string; familyId: string; token: string; expiresAt: Date }
  | { status: 'reused'; userId: string; familyId: string }
  | { status: 'invalid' };

/** The refresh-token store. */
export interface RefreshTokens {
  /** Starts a family (a login) and returns its first token. */
  start(userId: string): Promise<{ familyId: string; token: string; expiresAt: Date }>;
  /** Rotates a presented token, or revokes its family when it was already used. */
  rotate(token: string): Promise<RefreshOutcome>;
  /** Revokes every token of the family (logout, reuse). */
  revokeFamily(familyId: string): Promise<void>;
  /** Revokes every family of a user (disable, erase), inside `tx` when given. */
  revokeUser(userId: string, tx?: Pick<Store, 'query'>): Promise<void>;
}

/** Refresh tokens over a store, each valid `ttlSeconds`. */
export function createRefreshTokens(store: Store, ttlSeconds: number): RefreshTokens {
  const issue = async (userId: string, familyId: string, tx: Pick<Store, 'query'> = store): Promise<{ token: string; expiresAt: Date }> => {
    const token = newSecret('ort');
    // Set (and in `rotate` compared) by the database's clock: every instance agrees on a token's life.
    const row = (
      await tx.query<{ expires_at: Date }>(
        'insert into auth_refresh_token (token_hash, family_id, user_id, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4)) returning expires_at',
        [secretHash(token), familyId, userId, ttlSeconds],
      )
    ).rows[0];
    if (row === undefined) throw new Error('refresh token insert returned no row');
    return { token, expiresAt: row.expires_at };
  };
  const revokeFamily = async (familyId: string): Promise<void> => {
    await store.query('update auth_refresh_token set revoked_at = coalesce(revoked_at, now()) where family_id = $1', [familyId]);
  };
  return {
    async start(userId) {
      const familyId = randomUUID();
      return { familyId, ...(await issue(userId, familyId)) };
    },
    async rotate(token) {
      const hash = secretHash(token);
      const result = await store.transaction(async (tx) => {
        // One statement claims the token: of two concurrent uses only one sees used_at null.
        const claimed = await tx.query<{ user_id: string; family_id: string }>(
          `update auth_refresh_token set used_at = now() where token_hash = $1 and used_at is null and revoked_at is null and expires_at > now()
           returning user_id, family_id`,
          [hash],
        );
        const row = claimed.rows[0];
        if (row !== undefined) return { status: 'rotated' as const, userId: row.user_id, familyId: row.family_id, ...(await issue(row.user_id, row.family_id, tx)) };
        const seen = (await tx.query<{ user_id: string; family_id: string; used_at: Date | null; revoked_at: Date | null }>('select user_id, family_id, used_at, revoked_at from auth_refresh_token where token_hash = $1', [hash])).rows[0];
        if (seen === undefined || (seen.used_at === null && seen.revoked_at === null)) return { status: 'invalid' as const }; // unknown or merely expired
        return { status: 'reused' as const, userId: seen.user_id, familyId: seen.family_id };
      });
      if (result.status === 'reused') await revokeFamily(result.familyId);
      return result;
    },
    revokeFamily,
    async revokeUser(userId, tx = store) {
      await tx.query('update auth_refresh_token set revoked_at = coalesce(revoked_at, now()) where user_id = $1', [userId]);
    },
  };
}
