import { writeFile } from 'node:fs/promises';
import { snapshotToJson, type Snapshot } from '../market/snapshot.ts';
import { DEVNET_CHAIN_ID } from './anvil.ts';
import type { DevnetClients } from './clients.ts';
import { readPoolStates } from './read-pools.ts';
import type { SeededMarket } from './seed.ts';

/**
 * Writes the local chain's pools back as `orion.pools/v1` (`orion devnet --export FILE`): the
 * seeded pools with their state as it is now (after noise trades), local addresses, chain 31337.
 */

/** The current state of every seeded pool, as a snapshot of the local chain. */
export async function exportSnapshot(clients: DevnetClients, market: SeededMarket): Promise<Snapshot> {
  // One block for every pool, so the export is a consistent cut even while blocks are mined.
  const block = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
  const pools = await readPoolStates(clients, market.lens, market.localSnapshot.pools, block);
  const snapshot: Snapshot = {
    format: market.localSnapshot.format,
    chainId: DEVNET_CHAIN_ID,
    block,
    note: `exported from the Orion devnet (${market.localSnapshot.note ?? 'seeded chain'})`,
    pools,
  };
  if (market.localSnapshot.source !== undefined) snapshot.source = market.localSnapshot.source;
  return snapshot;
}

/** Writes `snapshot` to `path` as JSON (amounts as decimal strings). */
export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  await writeFile(path, `${JSON.stringify(snapshotToJson(snapshot), null, 1)}\n`);
}
