import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { DEFAULT_SNAPSHOT_PATH } from './devnet.ts';

const SHARED_COPY = new URL('../../../shared/data/snapshots/base-uniswap-2024-11-01.json', import.meta.url).pathname;

describe('the bundled default snapshot', () => {
  it('reads without a warning (no pool with unknown reserves is shipped)', async () => {
    const { snapshot, warnings } = await readSnapshotFile(DEFAULT_SNAPSHOT_PATH);
    expect(warnings).toEqual([]);
    expect(snapshot.pools.length).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(SHARED_COPY) && process.env.CI !== 'true')('is the shared Base snapshot less exactly its pools with unreadable reserves', async () => {
    // Independent of the reader: the raw shared file, filtered here by its own "None" markers.
    const shared = JSON.parse(readFileSync(SHARED_COPY, 'utf8')) as { pools: { address: string; reserve0?: unknown }[] };
    const readable = shared.pools.filter((pool) => pool.reserve0 !== 'None' && pool.reserve0 !== null).map((pool) => pool.address.toLowerCase());
    const { snapshot } = await readSnapshotFile(DEFAULT_SNAPSHOT_PATH);
    expect(snapshot.pools.map((pool) => pool.address)).toEqual(readable);
  });
});
