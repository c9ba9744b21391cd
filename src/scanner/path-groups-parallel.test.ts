import { describe, expect, it } from 'vitest';
import { readSnapshotFile, type PoolSnapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { enumerateCycles, type CycleSet } from './cycles.ts';
import { buildPoolTable } from './pool-table.ts';
import { hasParallelPools, pathGroups, type PathGroups } from './path-groups.ts';
import { testPool } from './test-market.ts';
import { buildTokenTable } from './tokens.ts';

/**
 * `pathGroups` skips keying the cycles when no two pools join the same two tokens, on the
 * argument that a cycle's base and tokens then fix its pools, so no two cycles share a key. Held
 * here by keying every cycle as the grouping does (ranking group, hops, tokens along the path) and
 * counting the keys two or more cycles share, with the smallest group size there is (2): none when
 * `hasParallelPools` says no, and exactly the groups `pathGroups` forms when it says yes. What the
 * skip returns is held to what the full grouping returns when it forms no group.
 */
function sharedKeys(pools: readonly PoolSnapshot[], bases: number, maxHops: number): { parallel: boolean; shared: number; groups: number } {
  const tokens = buildTokenTable(pools);
  const table = buildPoolTable(pools, tokens);
  const cycles = enumerateCycles(table, tokens.tokens.length, Array.from({ length: bases }, (_, b) => b), maxHops);
  // Ranking groups stand in for the base (one group per base: the grouping keys on the group).
  const rankingOf = Int32Array.from({ length: cycles.count }, (_, c) => cycles.base[c]!);
  const count = new Map<string, number>();
  for (let c = 0; c < cycles.count; c++) {
    const path: number[] = [];
    for (let h = 0; h < cycles.length[c]! - 1; h++) {
      const slot = c * cycles.stride + h;
      const p = cycles.pools[slot]!;
      path.push(cycles.zeroForOne[slot] === 1 ? table.token1[p]! : table.token0[p]!);
    }
    const key = `${rankingOf[c]} ${cycles.length[c]} ${path.join(',')}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const groups = pathGroups(table, cycles, rankingOf, { v3: 2, v2: 2 });
  if (groups.count === 0) expectNoGroup(groups, cycles, table.size);
  // Groups too large to form: the full grouping's answer when it forms none, the same as the skip's.
  expectNoGroup(pathGroups(table, cycles, rankingOf, { v3: 1_000_000, v2: 1_000_000 }), cycles, table.size);
  return { parallel: hasParallelPools(table), shared: [...count.values()].filter((n) => n >= 2).length, groups: groups.count };
}

/** No group: every cycle loose, each pool's loose cycles all of its cycles in order, no group's lists. */
function expectNoGroup(groups: PathGroups, cycles: CycleSet, poolCount: number): void {
  expect(groups.count).toBe(0);
  expect(Array.from(groups.of)).toEqual(new Array<number>(cycles.count).fill(-1));
  expect([groups.start, groups.poolStart].map((a) => Array.from(a))).toEqual([[0], [0]]);
  expect([groups.members, groups.rankingGroup, groups.pools, groups.zeroForOne, groups.hops, groups.byPool].map((a) => a.length)).toEqual([0, 0, 0, 0, 0, 0]);
  expect(Array.from(groups.byPoolStart)).toEqual(new Array<number>(poolCount + 1).fill(0));
  const through = Array.from({ length: poolCount }, (): number[] => []);
  for (let c = 0; c < cycles.count; c++) for (let h = 0; h < cycles.length[c]!; h++) through[cycles.pools[c * cycles.stride + h]!]!.push(c);
  expect(Array.from({ length: poolCount }, (_, p) => Array.from(groups.loose.subarray(groups.looseStart[p], groups.looseStart[p + 1])))).toEqual(through);
}

/** A random graph on `tokenCount` tokens, each pair joined by one pool at most, or by 2–3 for the pairs `parallel` picks. */
function randomPools(seed: number, tokenCount: number, density: number, parallel: number): PoolSnapshot[] {
  const random = createRng(seed);
  const pools: PoolSnapshot[] = [];
  for (let a = 0; a < tokenCount; a++) {
    for (let b = a + 1; b < tokenCount; b++) {
      if (random() >= density) continue;
      const venues = random() < parallel ? 2 + Math.floor(random() * 2) : 1;
      for (let v = 0; v < venues; v++) pools.push(testPool(pools.length, a, b, 10n ** 18n + BigInt(pools.length), 2n * 10n ** 18n, 3000));
    }
  }
  return pools;
}

describe('path groups without parallel pools', () => {
  it('no key is shared when no two pools join the same tokens; the groups are the shared keys otherwise', () => {
    let withParallel = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const parallel = seed % 3 === 0 ? 0.2 : 0;
      const { parallel: found, shared, groups } = sharedKeys(randomPools(seed, 6 + (seed % 5), 0.6, parallel), 1 + (seed % 3), 2 + (seed % 3));
      if (!found) expect(shared, `seed ${seed}`).toBe(0);
      else withParallel++;
      expect(groups, `seed ${seed}`).toBe(shared);
    }
    // Both sides of the test ran.
    expect(withParallel).toBeGreaterThan(5);
  });

  it('says yes for two pools on one pair, in either token order', () => {
    const pools = [testPool(0, 0, 1, 10n, 20n), testPool(1, 1, 2, 10n, 20n), testPool(2, 2, 1, 30n, 40n)];
    const tokens = buildTokenTable(pools);
    expect(hasParallelPools(buildPoolTable(pools, tokens))).toBe(true);
    expect(hasParallelPools(buildPoolTable(pools.slice(0, 2), buildTokenTable(pools.slice(0, 2))))).toBe(false);
  });

  const realPairs = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
  it.skipIf(!realPairs)('on the 10,773 real pairs: no parallel pools and no shared key (the skip applies there)', async () => {
    const { snapshot } = await readSnapshotFile(realPairs!);
    const { parallel, shared, groups } = sharedKeys(snapshot.pools, 3, 3);
    expect({ parallel, shared, groups }).toEqual({ parallel: false, shared: 0, groups: 0 });
  });
});
