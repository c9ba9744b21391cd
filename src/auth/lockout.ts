import type { Store } from '../store/index.ts';

/**
 * Account lockout: 10 failed logins (passwords or MFA codes) within 15 minutes, counted since
 * the account's last successful login, lock it until the oldest of those failures is 15
 * minutes old. Stricter than ASVS 4.0.3 (100 an hour).
 */

/** Failures that lock an account. */
export const LOCKOUT_FAILURES = 10;
/** The window they are counted in, in seconds. */
export const LOCKOUT_WINDOW_SECONDS = 15 * 60;

/** The lockout ledger. */
export interface Lockout {
  /** Seconds until the account unlocks, or 0 when it is not locked. */
  lockedFor(userId: string, now?: Date): Promise<number>;
  record(userId: string, ok: boolean): Promise<void>;
}

/** Lockout over a store. */
export function createLockout(store: Store): Lockout {
  return {
    async lockedFor(userId, now = new Date()) {
      const since = new Date(now.getTime() - LOCKOUT_WINDOW_SECONDS * 1000);
      const failures = await store.query<{ at: Date }>(
        `select at from auth_login_attempt where user_id = $1 and not ok and at > $2
           and at > coalesce((select max(at) from auth_login_attempt where user_id = $1 and ok), '-infinity'::timestamptz)
         order by at desc limit $3`,
        [userId, since, LOCKOUT_FAILURES],
      );
      if (failures.rows.length < LOCKOUT_FAILURES) return 0;
      const oldest = failures.rows[failures.rows.length - 1]?.at ?? now;
      return Math.max(1, Math.ceil((oldest.getTime() + LOCKOUT_WINDOW_SECONDS * 1000 - now.getTime()) / 1000));
    },
    async record(userId, ok) {
      await store.query('insert into auth_login_attempt (user_id, ok) values ($1, $2)', [userId, ok]);
    },
  };
}
