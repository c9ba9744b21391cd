import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../test/test-seed.ts';
import type { PathGroups } from './path-groups.ts';
import { SettledGroups } from './settled-groups.ts';

const STRIDE = 3;

/** One path group of `sizes[h]` pools at hop h (pool ids numbered hop by hop) whose members are every combination. */
function group(sizes: number[]): { groups: PathGroups; cyclePools: Int32Array; members: number[][] } {
  const hops = sizes.length;
  const poolStart = new Int32Array(STRIDE + 1);
  const pools: number[] = [];
  for (let h = 0; h < STRIDE; h++) {
    poolStart[h] = pools.length;
    for (let k = 0; k < (sizes[h] ?? 0); k++) pools.push(pools.length);
  }
  poolStart[STRIDE] = pools.length;
  // Members: every choice of one pool per hop, as pool ids.
  let members: number[][] = [[]];
  for (let h = 0; h < hops; h++) members = members.flatMap((m) => Array.from({ length: sizes[h]! }, (_, k) => [...m, poolStart[h]! + k]));
  const cyclePools = new Int32Array(members.length * STRIDE);
  members.forEach((m, c) => m.forEach((p, h) => (cyclePools[c * STRIDE + h] = p)));
  const groups = {
    count: 1,
    of: new Int32Array(members.length),
    start: Int32Array.from([0, members.length]),
    members: Int32Array.from(members.keys()),
    rankingGroup: new Int32Array(1),
    poolStart,
    pools: Int32Array.from(pools),
    zeroForOne: Uint8Array.from(pools, (p) => p % 2),
    hops: Uint8Array.from([hops]),
    byPoolStart: new Int32Array(pools.length + 1),
    byPool: new Int32Array(0),
    looseStart: new Int32Array(pools.length + 1),
    loose: new Int32Array(0),
  } satisfies PathGroups;
  return { groups, cyclePools, members };
}

describe('settled path groups', () => {
  it('key a group, after moves at any number of hops, at or above every member (brute force over the members)', () => {
    const seed = testSeed();
    let multiHop = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 27, maxLength: 27 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 9, maxLength: 9 }),
        fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 27, maxLength: 27 }),
        (sizes, byDirection, kept, change, fresh) => {
          const { groups, cyclePools, members } = group(sizes);
          const poolCount = groups.pools.length;
          const changedAt = new Int32Array(poolCount);
          const raisedAt = new Int32Array(2 * poolCount);
          const settled = new SettledGroups(groups, STRIDE, cyclePools, changedAt, raisedAt, Uint8Array.from([byDirection ? 1 : 0]));
          // Settled at epoch 1 with the members' keys then (0: cannot profit).
          const keyAt1 = members.map((_, c) => (kept[c]! < 100 ? 0 : kept[c]!));
          settled.settle(0, 1, (c) => keyAt1[c]!);
          // Epoch 2: each pool unchanged (0), changed without being raised the group's way (1), raised the group's way (2), or raised the other way only (3).
          for (let p = 0; p < poolCount; p++) {
            const how = change[p]!;
            if (how === 0) continue;
            changedAt[p] = 2;
            const groupWay = 2 * p + (groups.zeroForOne[p] === 1 ? 0 : 1);
            if (how === 2) raisedAt[groupWay] = 2;
            if (how === 3) raisedAt[groupWay ^ 1] = 2;
          }
          // A pool counts as moved for a group with a V3 pool only when raised its way; otherwise whenever it changed.
          const moved = (p: number): boolean => (byDirection ? raisedAt[2 * p + (groups.zeroForOne[p] === 1 ? 0 : 1)]! > 1 : changedAt[p]! > 1);
          // What each member may now be worth: at most its kept key while none of its pools moved, anything otherwise.
          const worth = members.map((m, c) => (m.some(moved) ? fresh[c]! : keyAt1[c]!));
          // The tightest key over the moved pools of one hop: the largest worth of a member through one of them.
          const through = (hop: number, only: Uint8Array): number => {
            for (let i = groups.poolStart[hop]!; i < groups.poolStart[hop + 1]!; i++) expect(only[i]).toBe(moved(groups.pools[i]!) ? 1 : 0);
            let best = 0;
            members.forEach((m, c) => {
              if (only[m[hop]!] === 1 && worth[c]! > best) best = worth[c]!;
            });
            return best;
          };
          const key = settled.settled(0, through);
          expect(key).toBeDefined();
          for (let c = 0; c < members.length; c++) expect(key!).toBeGreaterThanOrEqual(worth[c]!);
          if (new Set(members.flatMap((m) => m.flatMap((p, h) => (moved(p) ? [h] : [])))).size > 1) multiHop++;
        },
      ),
      { numRuns: 400, seed },
    );
    expect(multiHop, `runs with moves at two hops or more (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(50);
  });
});
