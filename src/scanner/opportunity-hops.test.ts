import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { Scanner } from './scanner.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');

describe.skipIf(!arbitrum)('opportunities carry each hop’s protocol and fee', () => {
  it('names, per hop, the protocol and fee the snapshot gives that pool (mixed V2/V3 routes)', async () => {
    const { snapshot } = await readSnapshotFile(arbitrum!);
    const scanner = new Scanner(snapshot, { gasPrice: 0n });
    scanner.scanAll();
    const top = scanner.top(50);
    expect(top.length).toBeGreaterThan(0);
    const byAddress = new Map(snapshot.pools.map((pool) => [pool.address, pool]));
    const seen = new Set<string>();
    for (const opportunity of top) {
      expect(opportunity.protocols).toHaveLength(opportunity.pools.length);
      expect(opportunity.fees).toHaveLength(opportunity.pools.length);
      opportunity.pools.forEach((address, hop) => {
        const pool = byAddress.get(address)!;
        expect(opportunity.protocols[hop]).toBe(pool.protocol);
        expect(opportunity.fees[hop]).toBe(pool.fee);
        seen.add(`${pool.protocol}:${pool.fee}`);
      });
    }
    // The check covers more than one protocol and fee tier, or it proves little.
    expect(seen.size).toBeGreaterThan(1);
  });
});
