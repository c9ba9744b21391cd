import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Hex, PublicClient } from 'viem';
import { decodeFunctionData } from 'viem';
import { flashArbExecutorAbi } from '../../../contracts/abis/FlashArbExecutor.ts';
import { migrate } from '../../../store/migrate.ts';
import { openStore, type OpenStoreOptions } from '../../../store/open-store.ts';
import { freshPgliteDataDir, testBackends } from '../../../store/test-store.ts';

/**
 * TEST CODE — what the exactly-once tests share around their engine child processes: a migrated
 * database the children open by its options (a fresh schema on PostgreSQL when TEST_DATABASE_URL
 * is set, else a fresh PGlite folder), and the chain's record of the hot key's transactions.
 */

/** A migrated database for the children, and how to throw it away. */
export async function childStore(): Promise<{ options: OpenStoreOptions; remove(): Promise<void> }> {
  let options: OpenStoreOptions;
  let remove: () => Promise<void>;
  if (testBackends().at(-1) === 'postgres') {
    const databaseUrl = process.env['TEST_DATABASE_URL']!;
    const schema = `test_live_${randomBytes(5).toString('hex')}`;
    options = { databaseUrl, schema, maxConnections: 4 };
    remove = async () => {
      const admin = await openStore({ databaseUrl, maxConnections: 1 });
      await admin.exec(`drop schema if exists ${schema} cascade`).finally(() => admin.close());
    };
  } else {
    const dataDir = await freshPgliteDataDir();
    options = { dataDir };
    remove = async () => rmSync(dataDir, { recursive: true, force: true });
  }
  const store = await openStore(options);
  await migrate(store);
  await store.close();
  return { options, remove };
}

/** A transaction the hot key sent, as mined. */
export interface MinedTransaction { hash: Hex; nonce: bigint; input: Hex }

/** Every transaction `hotKey` sent in blocks `from..to`, in chain order. */
export async function hotKeyTransactions(chain: PublicClient, hotKey: string, from: bigint, to: bigint): Promise<MinedTransaction[]> {
  const sent: MinedTransaction[] = [];
  for (let n = from; n <= to; n++) {
    const block = await chain.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) if (tx.from.toLowerCase() === hotKey.toLowerCase()) sent.push({ hash: tx.hash, nonce: BigInt(tx.nonce), input: tx.input });
  }
  return sent;
}

/**
 * The mined executions among `sent` (cancellations left out) by what an opportunity's plan puts in
 * the calldata apart from its deadline — the route, the amount in, the minimum profit (from the
 * predicted profit at its state) and the flash source — each as one string: two equal ones are
 * one opportunity executed twice. The route and amount alone are not an opportunity: a loan
 * capped at a lender's capacity gives the same amount at two states of the route's pools.
 */
export function executionIdentities(sent: readonly MinedTransaction[]): string[] {
  return sent.filter((tx) => tx.input !== '0x').map((tx) => {
    const { args } = decodeFunctionData({ abi: flashArbExecutorAbi, data: tx.input });
    return JSON.stringify([args[0], args[1], args[2], args[4]], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  });
}
