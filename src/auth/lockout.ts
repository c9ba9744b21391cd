import type { Queryable, Store } from '../store/index.ts';

/**
 * Account lockout: 10 failed logins (passwords or MFA codes) within 15 minutes, counted since
 * the account's last successful login, lock it until the oldest of those failures is 15
 * minutes old. Stricter than ASVS 4.0.3 (100 an hour).
 *
 * An attempt is counted before it is checked: `admit` records it as a failure, in one
 * transaction that holds the account's row lock, and only if the failures (those still being
 * checked included) are fewer than 10; a right answer then takes it back (`passed`). Checking
 * first and recording after let a burst of parallel guesses all pass the check, on one process
 * or several sharing a database. An attempt whose process dies mid-check stays a failure.
 */

/** Failures that lock an account. */
export const LOCKOUT_FAILURES = 10;
/** The window they are counted in, in seconds. */
export const LOCKOUT_WINDOW_SECONDS = 15 * 60;

/** An admitted attempt, counted as a failure until it turns out right. */
export interface AdmittedAttempt {
  locked: false;
  /** The answer was right: the attempt is no failure. */
  passed(): Promise<void>;
}

/** What `admit` answers: the attempt may be checked, or the account is locked. */
export type Admission = AdmittedAttempt | { locked: true; retryAfterSeconds: number };

/** The lockout ledger. */
export interface Lockout {
  /** Seconds until the account unlocks, or 0 when it is not locked. */
  lockedFor(userId: string): Promise<number>;
  /** Counts an attempt about to be checked, unless the account is locked. */
  admit(userId: string): Promise<Admission>;
  /** A login completed: the failures before it no longer count. */
  succeeded(userId: string): Promise<void>;
}

/**
 * Seconds the account stays locked, by the database's clock (`now()`, the transaction's start):
 * the failures' `at` is the database's clock too, so every instance on one database sees the same
 * window, and an instance whose own clock is off can neither end nor stretch a lockout.
 */
async function secondsLocked(db: Queryable, userId: string): Promise<number> {
  const locked = await db.query<{ failures: number; seconds: number | null }>(
    `with recent as (
       select at from auth_login_attempt where user_id = $1 and not ok and at > now() - make_interval(secs => $3)
         and at > coalesce((select max(at) from auth_login_attempt where user_id = $1 and ok), '-infinity'::timestamptz)
       order by at desc limit $2)
     select count(*)::int as failures, ceil(extract(epoch from min(at) + make_interval(secs => $3) - now()))::int as seconds from recent`,
    [userId, LOCKOUT_FAILURES, LOCKOUT_WINDOW_SECONDS],
  );
  const row = locked.rows[0];
  if (row === undefined || row.failures < LOCKOUT_FAILURES) return 0;
  return Math.max(1, row.seconds ?? 1);
}

/** Lockout over a store. */
export function createLockout(store: Store): Lockout {
  return {
    lockedFor: (userId) => secondsLocked(store, userId),
    async admit(userId) {
      // `at` as text keeps its microseconds (a Date would round them), so `passed` finds the row.
      const at = await store.transaction(async (tx) => {
        // One account's attempts queue here, across connections and API instances alike.
        await tx.query('select 1 from auth_user where id = $1 for update', [userId]);
        const seconds = await secondsLocked(tx, userId);
        if (seconds > 0) return seconds;
        return (await tx.query<{ at: string }>('insert into auth_login_attempt (user_id, ok) values ($1, false) returning at::text as at', [userId])).rows[0]?.at ?? '';
      });
      if (typeof at === 'number') return { locked: true, retryAfterSeconds: at };
      return {
        locked: false,
        async passed() {
          // Rows of one account at one instant are alike: removing any one of them is exact.
          await store.query(
            `delete from auth_login_attempt where ctid = (select ctid from auth_login_attempt where user_id = $1 and not ok and at = $2::timestamptz limit 1)`,
            [userId, at],
          );
        },
      };
    },
    async succeeded(userId) {
      await store.query('insert into auth_login_attempt (user_id, ok) values ($1, true)', [userId]);
    },
  };
}
