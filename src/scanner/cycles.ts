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

interface Edge {
  pool: number;
  to: number;
  zeroForOne: number;
}

/** Adjacency list per token: the pools touching it, with the token on the other side. */
function adjacency(pools: PoolTable, tokenCount: number): Edge[][] {
  const adj: Edge[][] = Array.from({ length: tokenCount }, () => []);
  for (let p = 0; p < pools.size; p++) {
    const t0 = pools.token0[p]!;
    const t1 = pools.token1[p]!;
    adj[t0]!.push({ pool: p, to: t1, zeroForOne: 1 });
    adj[t1]!.push({ pool: p, to: t0, zeroForOne: 0 });
  }
  return adj;
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

  // Per token, the edges from it back into the current base, in adjacency order: the last hop
  // of a cycle can only close it, so it walks these instead of every edge of the token (at 100k
  // pools a hub token's few thousand edges per visit were most of the enumeration).
  let closing: Edge[][] = [];
  const walk = (base: number, token: number, depth: number): void => {
    for (const edge of depth + 1 === maxHops ? closing[token]! : adj[token]!) {
      if (depth > 0 && edge.pool === pathPools[depth - 1]) continue;
      pathPools[depth] = edge.pool;
      pathDirs[depth] = edge.zeroForOne;
      if (edge.to === base) {
        if (depth >= 1) emit(base, depth + 1);
        continue;
      }
      if (depth + 2 > maxHops || blocked[edge.to] || onPath[edge.to]) continue;
      onPath[edge.to] = 1;
      walk(base, edge.to, depth + 1);
      onPath[edge.to] = 0;
    }
  };

  const none: Edge[] = [];
  for (const base of bases) {
    closing = new Array<Edge[]>(tokenCount).fill(none);
    // adj[base] is in pool order, as is adj[t] for every t: the edges back from t come out in adj[t]'s order.
    for (const edge of adj[base]!) {
      if (closing[edge.to] === none) closing[edge.to] = [];
      closing[edge.to]!.push({ pool: edge.pool, to: base, zeroForOne: 1 - edge.zeroForOne });
    }
    walk(base, base, 0);
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
