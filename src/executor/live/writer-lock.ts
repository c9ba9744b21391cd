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
  release(): Promise<void>;
}

/** Takes the writer lock of (chainId, account); throws a RuntimeFault when another process holds it. */
export async function acquireWriterLock(store: Store, chainId: number, account: Address): Promise<WriterLock> {
  if (store.backend !== 'postgres') return { held: () => true, release: async () => undefined };
  const key = `orion.live:${chainId}:${account.toLowerCase()}`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  let taken!: (ok: boolean) => void;
  const outcome = new Promise<boolean>((resolve) => (taken = resolve));
  const holding = store.transaction(async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [key]);
    held = rows[0]?.ok === true;
    taken(held);
    if (held) await released;
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
    async release() {
      release();
      await holding;
    },
  };
}
