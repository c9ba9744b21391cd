import type { Address } from 'viem';
import { RuntimeFault } from '../../errors.ts';
import type { Queryable, Store } from '../../store/types.ts';
import { raiseWriterEpoch } from './intent-store.ts';

/**
 * One live writer per (chain, account). On PostgreSQL: a transaction-scoped advisory lock held
 * by a transaction kept open for the executor's life (several instances may share the
 * database; the second one to start is refused, naming the lock). The lock goes with the
 * connection: a killed process releases it at once. On PGlite the database belongs to one
 * process (its folder lock), which is already the one writer.
 *
 * The lock alone does not fence: between the server ending the lock's session and this process
 * hearing of it, another process can take the lock. So each taker raises the account's writer
 * epoch (migration 0013) once it holds the lock, before it reads anything, and every write that
 * moves the nonce, adds an attempt or records an intent's status names that epoch: the database refuses the older writer's.
 * The raise is its own statement, not part of the lock's transaction: that transaction stays
 * open for the executor's life and would hold the account row's lock as long, blocking the
 * writer's own commits. Raised after the lock is taken (never before: a process refused the lock
 * must not fence out the holder), and before the new writer reads the nonce: a write of the old
 * writer is either refused or committed before the raise, and then read by the new one.
 */

/** A held writer lock. */
export interface WriterLock {
  /** False once the connection holding it was lost (nothing may be sent then). */
  held(): boolean;
  /** The account's writer epoch this holder raised: every write of the intents and their attempts names it. */
  readonly epoch: bigint;
  /**
   * Settles with the cause if the lock is lost before it is released: the connection holding it
   * ended (the server's `idle_in_transaction_session_timeout`, a restart, `pg_terminate_backend`).
   * Another process may take the account from then on; this one must not send or track again.
   */
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

/** Takes the writer lock of (chainId, account); throws a RuntimeFault when another process holds it. */
/** The advisory lock's name for (chain, account): `hashtext` of it is the lock's key. */
function writerLockKey(chainId: number, account: string): string {
  return `orion.live:${chainId}:${account.toLowerCase()}`;
}

/**
 * Whether some process holds the live writer lock of an account on `chainId` now (PostgreSQL
 * only: on PGlite no other process can). A bigint advisory key shows in pg_locks as classid = its
 * high half, objid = its low half, objsubid 1. The accounts are the ones that ever went live here.
 */
export async function liveWriterHeld(db: Queryable, chainId: number): Promise<boolean> {
  const { rows } = await db.query<{ account: string }>('select account from live_accounts where chain_id = $1', [chainId]);
  for (const { account } of rows) {
    const { rows: held } = await db.query<{ held: boolean }>(
      `select exists (select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 1
         and ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint) as held`,
      [writerLockKey(chainId, account)],
    );
    if (held[0]?.held === true) return true;
  }
  return false;
}

export async function acquireWriterLock(store: Store, chainId: number, account: Address): Promise<WriterLock> {
  if (store.backend !== 'postgres') {
    // One process (the folder lock), but the same epoch rule: a second executor opened in this
    // process (a restart without a close) fences out the first.
    const epoch = await raiseWriterEpoch(store, chainId, account);
    return { held: () => true, epoch, lost: new Promise<Error>(() => undefined), release: async () => undefined };
  }
  const key = writerLockKey(chainId, account);
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
  let epoch: bigint;
  try {
    epoch = await raiseWriterEpoch(store, chainId, account);
  } catch (error) {
    release();
    await holding;
    throw error;
  }
  return {
    held: () => held,
    epoch,
    lost,
    async release() {
      release();
      await holding;
    },
  };
}
