import type { CycleSet } from './cycles.ts';
import type { PoolTable } from './pool-table.ts';

/**
 * Cycles grouped by token path: the same base, the same tokens in the same order and the same
 * ranking group (so the same gas), differing only in which pool serves each hop. Parallel venues
 * multiply such cycles (k pools per hop → k³ three-hop cycles); the ranking holds one item per
 * group, keyed by a bound no member can beat (path-bound.ts), and looks at members only when its
 * walk reaches the group. A cycle outside a group is ranked by its own bound, as before: groups
 * are formed from MIN_GROUP_V3 cycles for a path with a V3 hop, from MIN_GROUP_V2 for an all-V2
 * path, whose members' float bounds (~1 µs each) beat one bigint pass for a few venues.
 */
export interface PathGroups {
  /** Number of groups. */
  readonly count: number;
  /** Group of each cycle, or -1 for a cycle ranked alone. */
  readonly of: Int32Array;
  /** Members of group g: members[start[g] .. start[g + 1]), in cycle order. */
  readonly start: Int32Array;
  readonly members: Int32Array;
  /** Ranking group of each group (that of its members). */
  readonly rankingGroup: Int32Array;
  /** Per group and hop (g * stride + h): its distinct pools, pools[poolStart[..] .. poolStart[.. + 1]). */
  readonly poolStart: Int32Array;
  readonly pools: Int32Array;
  /** 1 when that pool swaps token0 -> token1 on the path. */
  readonly zeroForOne: Uint8Array;
  /** Hops of each group's cycles. */
  readonly hops: Uint8Array;
  /** Groups whose cycles use pool p: byPool[byPoolStart[p] .. byPoolStart[p + 1]). */
  readonly byPoolStart: Int32Array;
  readonly byPool: Int32Array;
  /**
   * Cycles through pool p ranked alone (in no group): loose[looseStart[p] .. looseStart[p + 1]),
   * in the order of the cycles' own index. What a block re-evaluates when p moves; on a V3-heavy
   * universe nearly every cycle is grouped, and skipping the grouped ones one by one was ~6 % of a block.
   */
  readonly looseStart: Int32Array;
  readonly loose: Int32Array;
}

/** The cycles through each pool that are in no group (`of[c]` < 0), as `PathGroups.loose`. */
function looseByPool(cycles: CycleSet, of: Int32Array, poolCount: number): { looseStart: Int32Array; loose: Int32Array } {
  const { poolStart, byPool } = cycles;
  const looseStart = new Int32Array(poolCount + 1);
  for (let p = 0; p < poolCount; p++) {
    let n = 0;
    for (let k = poolStart[p]!; k < poolStart[p + 1]!; k++) if (of[byPool[k]!]! < 0) n++;
    looseStart[p + 1] = looseStart[p]! + n;
  }
  const loose = new Int32Array(looseStart[poolCount]!);
  let at = 0;
  for (let p = 0; p < poolCount; p++) for (let k = poolStart[p]!; k < poolStart[p + 1]!; k++) if (of[byPool[k]!]! < 0) loose[at++] = byPool[k]!;
  return { looseStart, loose };
}

/** Smallest group formed for a path with a V3 hop, and for an all-V2 path. */
export const MIN_GROUP_V3 = 2;
export const MIN_GROUP_V2 = 16;

/** The token a cycle's hop h hands on. */
function tokenOut(pools: PoolTable, cycles: CycleSet, c: number, h: number): number {
  const slot = c * cycles.stride + h;
  const p = cycles.pools[slot]!;
  return cycles.zeroForOne[slot] === 1 ? pools.token1[p]! : pools.token0[p]!;
}

/**
 * Whether two pools join the same two tokens (parallel venues). Without any, a cycle's base and
 * tokens fix its pool at every hop, so no two cycles share a token path and no group forms.
 */
export function hasParallelPools(pools: PoolTable): boolean {
  let tokenBase = 1;
  for (let p = 0; p < pools.size; p++) tokenBase = Math.max(tokenBase, pools.token0[p]! + 1, pools.token1[p]! + 1);
  // A pair as one number (smaller index first); too many tokens for that: answer yes, and group.
  if (tokenBase * tokenBase > Number.MAX_SAFE_INTEGER) return true;
  const pairs = new Set<number>();
  for (let p = 0; p < pools.size; p++) {
    const t0 = pools.token0[p]!;
    const t1 = pools.token1[p]!;
    const before = pairs.size;
    pairs.add(t0 < t1 ? t0 * tokenBase + t1 : t1 * tokenBase + t0);
    if (pairs.size === before) return true;
  }
  return false;
}

/** What `pathGroups` gives when no group forms: every cycle loose, so each pool's loose cycles are all its cycles. */
function noGroups(cycles: CycleSet, poolCount: number): PathGroups {
  return {
    count: 0,
    of: new Int32Array(cycles.count).fill(-1),
    start: new Int32Array(1),
    members: new Int32Array(0),
    rankingGroup: new Int32Array(0),
    poolStart: new Int32Array(1),
    pools: new Int32Array(0),
    zeroForOne: new Uint8Array(0),
    hops: new Uint8Array(0),
    byPoolStart: new Int32Array(poolCount + 1),
    byPool: new Int32Array(0),
    looseStart: cycles.poolStart.slice(),
    loose: cycles.byPool.slice(),
  };
}

/** Groups the cycles by (ranking group, hops, tokens along the path). */
export function pathGroups(pools: PoolTable, cycles: CycleSet, rankingOf: Int32Array, min = { v3: MIN_GROUP_V3, v2: MIN_GROUP_V2 }): PathGroups {
  const n = cycles.count;
  // One venue per pair (the real V2 pairs): every path has one cycle, so no group forms, and the
  // passes that key every cycle and list each group's pools (~7 ms of the 10,773 real pairs' cold
  // start, mostly run before V8 optimizes them) are skipped.
  if (!hasParallelPools(pools)) return noGroups(cycles, pools.size);
  const key = new Map<number | string, number>();
  const first = new Int32Array(n);
  const size: number[] = [];
  // The key as one number (ranking group and hops, then the tokens as digits in base tokenBase)
  // when every key fits a float's integers, else as a string: building a string per cycle cost ~0.3 s at 488k cycles.
  let tokenBase = 1;
  let groupBase = 1;
  for (let p = 0; p < pools.size; p++) tokenBase = Math.max(tokenBase, pools.token0[p]! + 1, pools.token1[p]! + 1);
  for (let c = 0; c < n; c++) groupBase = Math.max(groupBase, rankingOf[c]! + 1);
  const numeric = groupBase * (cycles.stride + 1) * tokenBase ** (cycles.stride - 1) <= Number.MAX_SAFE_INTEGER;
  for (let c = 0; c < n; c++) {
    let k: number | string;
    if (numeric) {
      // Fixed width (a digit per possible hop, 0 past the cycle's), so every key has one reading.
      k = rankingOf[c]! * (cycles.stride + 1) + cycles.length[c]!;
      for (let h = 0; h < cycles.stride - 1; h++) k = k * tokenBase + (h < cycles.length[c]! - 1 ? tokenOut(pools, cycles, c, h) : 0);
    } else {
      k = `${rankingOf[c]}:${cycles.length[c]}`;
      for (let h = 0; h < cycles.length[c]! - 1; h++) k += `:${tokenOut(pools, cycles, c, h)}`;
    }
    let g = key.get(k);
    if (g === undefined) {
      key.set(k, (g = size.length));
      size.push(0);
    }
    first[c] = g;
    size[g]!++;
  }
  // A path with a V3 hop is worth grouping from two cycles on (each member's bound walks tick
  // maps in bigints); an all-V2 one only when its members' float bounds cost more than the
  // group's one bigint pass.
  const hasV3 = new Uint8Array(size.length);
  for (let c = 0; c < n; c++) if (cycles.allV2[c] === 0) hasV3[first[c]!] = 1;
  // Keep only those groups, renumbered in order of their first cycle.
  const renumber = new Int32Array(size.length).fill(-1);
  let count = 0;
  const of = new Int32Array(n).fill(-1);
  for (let c = 0; c < n; c++) {
    const g = first[c]!;
    if (size[g]! < Math.max(2, hasV3[g] === 1 ? min.v3 : min.v2)) continue;
    if (renumber[g] === -1) renumber[g] = count++;
    of[c] = renumber[g]!;
  }
  const start = new Int32Array(count + 1);
  for (let c = 0; c < n; c++) if (of[c]! >= 0) start[of[c]! + 1]!++;
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, count);
  const members = new Int32Array(start[count]!);
  const rankingGroup = new Int32Array(count);
  const hops = new Uint8Array(count);
  for (let c = 0; c < n; c++) {
    const g = of[c]!;
    if (g < 0) continue;
    members[fill[g]!++] = c;
    rankingGroup[g] = rankingOf[c]!;
    hops[g] = cycles.length[c]!;
  }
  // Distinct pools per group and hop (ascending), and the distinct groups through each pool
  // (ascending: groups are visited in order). Marks per pool instead of a Map and Sets per
  // group and hop, which at 100k pools (tens of thousands of groups) cost ~0.1 s.
  const stride = cycles.stride;
  const poolStart = new Int32Array(count * stride + 1);
  const poolList: number[] = [];
  const dirList: number[] = [];
  const listedAt = new Int32Array(pools.size).fill(-1);
  const direction = new Uint8Array(pools.size);
  const lastGroup = new Int32Array(pools.size).fill(-1);
  const byPoolStart = new Int32Array(pools.size + 1);
  const hopPools: number[] = [];
  for (let g = 0; g < count; g++) {
    for (let h = 0; h < stride; h++) {
      const slot = g * stride + h;
      poolStart[slot] = poolList.length;
      if (h >= hops[g]!) continue;
      hopPools.length = 0;
      for (let m = start[g]!; m < start[g + 1]!; m++) {
        const p = cycles.pools[members[m]! * stride + h]!;
        direction[p] = cycles.zeroForOne[members[m]! * stride + h]!;
        if (listedAt[p] === slot) continue;
        listedAt[p] = slot;
        hopPools.push(p);
      }
      hopPools.sort((a, b) => a - b);
      for (const p of hopPools) {
        poolList.push(p);
        dirList.push(direction[p]!);
        if (lastGroup[p] === g) continue;
        lastGroup[p] = g;
        byPoolStart[p + 1]!++;
      }
    }
  }
  poolStart[count * stride] = poolList.length;
  for (let p = 0; p < pools.size; p++) byPoolStart[p + 1]! += byPoolStart[p]!;
  const byPool = new Int32Array(byPoolStart[pools.size]!);
  const fillPool = byPoolStart.slice(0, pools.size);
  lastGroup.fill(-1);
  for (let g = 0; g < count; g++) {
    for (let i = poolStart[g * stride]!; i < poolStart[(g + 1) * stride]!; i++) {
      const p = poolList[i]!;
      if (lastGroup[p] === g) continue;
      lastGroup[p] = g;
      byPool[fillPool[p]!++] = g;
    }
  }
  return { count, of, start, members, rankingGroup, poolStart, pools: Int32Array.from(poolList), zeroForOne: Uint8Array.from(dirList), hops, byPoolStart, byPool, ...looseByPool(cycles, of, pools.size) };
}
