import type { Address } from 'viem';
import { RuntimeFault } from '../../errors.ts';
import type { Store } from '../../store/types.ts';

/**
 * One live writer per (chain, account). On PostgreSQL: a transaction-scoped advisory lock held
 * by a transaction kept open for the executor's life (several instances may share the
 * database; the second one to start is refused, naming the lock). The lock goes with the
 * connection: a killed process releases it at once. On PGlite the database belongs to one
 * process (its folder lock), which is already the one writer.
 */

/** A held writer lock. */
export interface WriterLock {
  /** False once the connection holding it was lost (nothing may be sent then). */
  held(): boolean;
  /**
   * Settles with the cause if the lock is lost before it is released: the connection holding it
   * ended (the server's `idle_in_transaction_session_timeout`, a restart, `pg_terminate_backend`).
   * Another process may take the account from then on; this one must not send or track again.
   */
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

/** Takes the writer lock of (chainId, account); throws a RuntimeFault when another process holds it. */
export async function acquireWriterLock(store: Store, chainId: number, account: Address): Promise<WriterLock> {
  if (store.backend !== 'postgres') return { held: () => true, lost: new Promise<Error>(() => undefined), release: async () => undefined };
  const key = `orion.live:${chainId}:${account.toLowerCase()}`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  let taken!: (ok: boolean) => void;
  const outcome = new Promise<boolean>((resolve) => (taken = resolve));
  let lockLost!: (cause: Error) => void;
  const lost = new Promise<Error>((resolve) => (lockLost = resolve));
  const holding = store.transaction(async (tx) => {
    // The lock's transaction waits idle for the executor's life: a server or role setting of
    // idle_in_transaction_session_timeout would end it (and the lock with it) after that long.
    await tx.query('set local idle_in_transaction_session_timeout = 0');
    const { rows } = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [key]);
    held = rows[0]?.ok === true;
    taken(held);
    if (!held) return;
    // The lock lives as long as this transaction's session: a session the server ended took it
    // along, and `held` must say so at once, not when some later statement fails.
    const cause = await Promise.race([released.then(() => null), tx.lost]);
    if (cause === null) return;
    held = false;
    lockLost(new RuntimeFault(`the live writer lock of ${account} on chain ${chainId} was lost: ${cause.message}`, { cause }));
    throw cause;
  }).catch(() => {
    taken(false);
  }).finally(() => {
    held = false;
  });
  if (!(await outcome)) {
    await holding;
    throw new RuntimeFault(`another process holds the live writer lock of ${account} on chain ${chainId} (PostgreSQL advisory lock "${key}"): only one live executor may send from an account`);
  }
  return {
    held: () => held,
    lost,
    async release() {
      release();
      await holding;
    },
  };
}
