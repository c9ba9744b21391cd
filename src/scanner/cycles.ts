import { KIND_V2, type PoolTable } from './pool-table.ts';

/** Longest cycle the enumeration accepts: beyond 4 hops the count explodes and gas eats the gap. */
export const MAX_SUPPORTED_HOPS = 4;

/**
 * Every arbitrage cycle as flat typed arrays (one slot of `stride` = maxHops per cycle), plus
 * the pool -> cycles index in CSR form. Flat arrays keep ~10^5 cycles in a few MB and make the
 * per-block loop allocation-free.
 */
export interface CycleSet {
  readonly count: number;
  /** Slots per cycle in `pools` / `zeroForOne` (= maxHops). */
  readonly stride: number;
  /** Hops of each cycle. */
  readonly length: Uint8Array;
  /** Start/end token of each cycle (a base token). */
  readonly base: Int32Array;
  /** Pool of hop h of cycle c at c * stride + h. */
  readonly pools: Int32Array;
  /** 1 when hop h swaps token0 -> token1. */
  readonly zeroForOne: Uint8Array;
  /** 1 when every pool of the cycle is constant-product (closed form and float bound apply). */
  readonly allV2: Uint8Array;
  /** Cycles through pool p: byPool[poolStart[p] .. poolStart[p + 1]). */
  readonly poolStart: Int32Array;
  readonly byPool: Int32Array;
}

/**
 * The pools touching each token, as flat arrays (CSR): token t's edges are at
 * start[t] .. start[t + 1], each with its pool, the token on the other side and the direction
 * (1: token0 -> token1), in pool order. Typed arrays rather than an object per edge and an array
 * per token: on the real pairs the enumeration is one pass of a cold start (issue 16), run
 * mostly before the JIT has optimized it, where every object and iterator counts.
 */
interface Adjacency {
  start: Int32Array;
  pool: Int32Array;
  to: Int32Array;
  zeroForOne: Uint8Array;
}

function adjacency(pools: PoolTable, tokenCount: number): Adjacency {
  const start = new Int32Array(tokenCount + 1);
  for (let p = 0; p < pools.size; p++) {
    start[pools.token0[p]! + 1]!++;
    start[pools.token1[p]! + 1]!++;
  }
  for (let t = 0; t < tokenCount; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, tokenCount);
  const pool = new Int32Array(2 * pools.size);
  const to = new Int32Array(2 * pools.size);
  const zeroForOne = new Uint8Array(2 * pools.size);
  for (let p = 0; p < pools.size; p++) {
    const t0 = pools.token0[p]!;
    const t1 = pools.token1[p]!;
    let e = fill[t0]!++;
    pool[e] = p;
    to[e] = t1;
    zeroForOne[e] = 1;
    e = fill[t1]!++;
    pool[e] = p;
    to[e] = t0;
    zeroForOne[e] = 0;
  }
  return { start, pool, to, zeroForOne };
}

/**
 * Enumerates simple cycles of 2..maxHops hops that start and end in a base token. Bases are
 * taken in priority order and a cycle through an earlier base is left to that base: each loop
 * of pools appears once, as the rotation starting at its highest-priority base (the same gap
 * found twice would be counted and executed twice).
 */
export function enumerateCycles(pools: PoolTable, tokenCount: number, bases: readonly number[], maxHops: number): CycleSet {
  if (!Number.isInteger(maxHops) || maxHops < 2 || maxHops > MAX_SUPPORTED_HOPS) {
    throw new RangeError(`maxHops must be an integer in [2, ${MAX_SUPPORTED_HOPS}], got ${maxHops}`);
  }
  const adj = adjacency(pools, tokenCount);
  const blocked = new Uint8Array(tokenCount);
  const onPath = new Uint8Array(tokenCount);
  const pathPools = new Int32Array(maxHops);
  const pathDirs = new Uint8Array(maxHops);
  // Typed arrays grown by doubling: pushing ~5M numbers into plain arrays and copying them into
  // typed ones was a third of the enumeration at 100k pools (488k cycles).
  let capacity = 1024;
  let count = 0;
  let lengths = new Uint8Array(capacity);
  let cycleBase = new Int32Array(capacity);
  let cyclePools = new Int32Array(capacity * maxHops);
  let cycleDirs = new Uint8Array(capacity * maxHops);

  const emit = (base: number, hops: number): void => {
    if (count === capacity) {
      capacity *= 2;
      lengths = grown(lengths, new Uint8Array(capacity));
      cycleBase = grown(cycleBase, new Int32Array(capacity));
      cyclePools = grown(cyclePools, new Int32Array(capacity * maxHops));
      cycleDirs = grown(cycleDirs, new Uint8Array(capacity * maxHops));
    }
    lengths[count] = hops;
    cycleBase[count] = base;
    for (let h = 0; h < maxHops; h++) {
      cyclePools[count * maxHops + h] = h < hops ? pathPools[h]! : -1;
      cycleDirs[count * maxHops + h] = h < hops ? pathDirs[h]! : 0;
    }
    count++;
  };

  // Per token, the edges from it back into the current base, as lists threaded through the
  // base's edges (closeHead[t]: the first of adj[base]'s edges to t, closeNext[e]: the next one,
  // in adjacency order): the last hop of a cycle can only close it, so it walks these instead of
  // every edge of the token (at 100k pools a hub token's few thousand edges per visit were most
  // of the enumeration). Built and cleared per base in the base's degree, not the token count.
  const closeHead = new Int32Array(tokenCount).fill(-1);
  const closeNext = new Int32Array(adj.pool.length);
  const walk = (base: number, token: number, depth: number): void => {
    if (depth + 1 === maxHops) {
      for (let e = closeHead[token]!; e >= 0; e = closeNext[e]!) {
        const pool = adj.pool[e]!;
        if (pool === pathPools[depth - 1]) continue;
        pathPools[depth] = pool;
        pathDirs[depth] = 1 - adj.zeroForOne[e]!;
        emit(base, depth + 1);
      }
      return;
    }
    for (let e = adj.start[token]!; e < adj.start[token + 1]!; e++) {
      const pool = adj.pool[e]!;
      if (depth > 0 && pool === pathPools[depth - 1]) continue;
      pathPools[depth] = pool;
      pathDirs[depth] = adj.zeroForOne[e]!;
      const to = adj.to[e]!;
      if (to === base) {
        if (depth >= 1) emit(base, depth + 1);
        continue;
      }
      if (depth + 2 > maxHops || blocked[to] || onPath[to]) continue;
      // The next hop would be the last: with no edge from `to` back into the base, nothing to visit.
      if (depth + 2 === maxHops && closeHead[to]! < 0) continue;
      onPath[to] = 1;
      walk(base, to, depth + 1);
      onPath[to] = 0;
    }
  };

  for (const base of bases) {
    // Threaded backwards, so each token's list comes out in adjacency (pool) order.
    for (let e = adj.start[base + 1]! - 1; e >= adj.start[base]!; e--) {
      closeNext[e] = closeHead[adj.to[e]!]!;
      closeHead[adj.to[e]!] = e;
    }
    walk(base, base, 0);
    for (let e = adj.start[base]!; e < adj.start[base + 1]!; e++) closeHead[adj.to[e]!] = -1;
    blocked[base] = 1;
  }

  const poolsArr = cyclePools.slice(0, count * maxHops);
  const { poolStart, byPool } = indexByPool(poolsArr, count, maxHops, pools.size);
  const allV2 = new Uint8Array(count).fill(1);
  for (let i = 0; i < poolsArr.length; i++) {
    const p = poolsArr[i]!;
    if (p >= 0 && pools.kind[p] !== KIND_V2) allV2[(i / maxHops) | 0] = 0;
  }
  return {
    count,
    stride: maxHops,
    length: lengths.slice(0, count),
    base: cycleBase.slice(0, count),
    pools: poolsArr,
    zeroForOne: cycleDirs.slice(0, count * maxHops),
    allV2,
    poolStart,
    byPool,
  };
}

/** `into` with `from` copied to its start. */
function grown<T extends Uint8Array | Int32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/** CSR index pool -> cycles (a cycle appears once per distinct pool it uses). */
function indexByPool(cyclePools: Int32Array, count: number, stride: number, poolCount: number): { poolStart: Int32Array; byPool: Int32Array } {
  const poolStart = new Int32Array(poolCount + 1);
  for (let i = 0; i < cyclePools.length; i++) {
    const p = cyclePools[i]!;
    if (p >= 0) poolStart[p + 1]!++;
  }
  for (let p = 0; p < poolCount; p++) poolStart[p + 1]! += poolStart[p]!;
  const fill = poolStart.slice(0, poolCount);
  const byPool = new Int32Array(poolStart[poolCount]!);
  for (let c = 0; c < count; c++) {
    for (let h = 0; h < stride; h++) {
      const p = cyclePools[c * stride + h]!;
      if (p >= 0) byPool[fill[p]!++] = c;
    }
  }
  return { poolStart, byPool };
}
