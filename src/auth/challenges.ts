import type { Store } from '../store/index.ts';
import { newSecret, secretHash } from './secret-token.ts';

/**
 * Login challenges: after a correct password, what the login still owes (a password change,
 * MFA enrolment, a TOTP code) is answered with this opaque token, valid 5 minutes and spent
 * when the login completes. Its expiry is set and checked by the database's clock (`now()`), as
 * the lockout's window: an API instance whose own clock is off neither shortens nor stretches it.
 */

/** Lifetime of a challenge in seconds. */
export const CHALLENGE_TTL_SECONDS = 300;

/** The challenge store. */
export interface Challenges {
  create(userId: string): Promise<{ challenge: string; expiresAt: Date }>;
  /** The user a live challenge belongs to, without spending it. */
  peek(challenge: string): Promise<string | undefined>;
  /** Spends a live challenge; the user id, or undefined if it was not live. */
  spend(challenge: string): Promise<string | undefined>;
}

/** Challenges over a store. */
export function createChallenges(store: Store): Challenges {
  return {
    async create(userId) {
      const challenge = newSecret('orc');
      // The expiry is set and later compared by the database's clock, never this instance's.
      const row = (
        await store.query<{ expires_at: Date }>(
          'insert into auth_challenge (token_hash, user_id, expires_at) values ($1, $2, now() + make_interval(secs => $3)) returning expires_at',
          [secretHash(challenge), userId, CHALLENGE_TTL_SECONDS],
        )
      ).rows[0];
      if (row === undefined) throw new Error('challenge insert returned no row');
      return { challenge, expiresAt: row.expires_at };
    },
    async peek(challenge) {
      const row = (await store.query<{ user_id: string }>('select user_id from auth_challenge where token_hash = $1 and used_at is null and expires_at > now()', [secretHash(challenge)])).rows[0];
      return row?.user_id;
    },
    async spend(challenge) {
      const row = (
        await store.query<{ user_id: string }>('update auth_challenge set used_at = now() where token_hash = $1 and used_at is null and expires_at > now() returning user_id', [secretHash(challenge)])
      ).rows[0];
      return row?.user_id;
    },
  };
}
