import { createRng } from '../../devnet/flow.ts';
import type { HexAddress, SnapshotToken, V2PoolSnapshot, V3PoolSnapshot } from '../../market/snapshot.ts';
import { poolFromPositions, type Position } from '../uniswap-v3/positions.ts';
import { getSqrtRatioAtTick, MAX_TICK, MIN_TICK } from '../uniswap-v3/tick-math.ts';

/**
 * Random but reproducible pools for the differential tests: V3 pools built from random
 * positions (dense ranges, sparse ranges across bitmap words, zero-liquidity gaps, prices near
 * both bounds, every fee tier incl. ones the factory has to enable) and V2 pairs with reserves
 * spread over many orders of magnitude. One seed gives one set; the tests print it.
 */

const int = (rng: () => number, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

/** A bigint spread log-uniformly over [2^minBits, 2^maxBits). */
export function logUniform(rng: () => number, minBits: number, maxBits: number): bigint {
  const bits = int(rng, minBits, maxBits - 1);
  let v = 1n << BigInt(bits);
  for (let i = 0; i < bits; i += 30) v |= BigInt(Math.floor(rng() * 2 ** 30)) << BigInt(i);
  return v & ((1n << BigInt(bits + 1)) - 1n);
}

/** Fee tiers with their tick spacing: Uniswap's four and two the seeder enables. */
export const V3_TIERS: readonly (readonly [fee: number, tickSpacing: number])[] = [
  [100, 1], [500, 10], [3000, 60], [10000, 200], [2500, 50], [20000, 1000],
];

/** How a random V3 pool's liquidity is laid out. */
export const V3_KINDS = ['dense', 'crowded', 'sparse', 'gap', 'near-min', 'near-max', 'full-range'] as const;

const token = (n: number): SnapshotToken => ({ address: `0x${n.toString(16).padStart(40, '0')}` as HexAddress, symbol: `T${n}`, decimals: 18 });
const poolAddress = (n: number): HexAddress => `0x${(0xa000000 + n).toString(16).padStart(40, '0')}` as HexAddress;

/** One random V3 pool of a given kind and tier; tokens 2n+1 and 2n+2 keep every pool on its own pair. */
export function randomV3Pool(rng: () => number, n: number, kind: (typeof V3_KINDS)[number], tier: readonly [number, number]): V3PoolSnapshot {
  const [fee, s] = tier;
  const minUsable = Math.ceil(MIN_TICK / s) * s;
  const maxUsable = Math.floor(MAX_TICK / s) * s;
  const liq = (): bigint => logUniform(rng, 10, 100);
  const snap = (t: number): number => Math.min(maxUsable, Math.max(minUsable, Math.round(t / s) * s));
  const positions: Position[] = [];
  const add = (a: number, b: number, liquidity = liq()): void => {
    const [lo, hi] = [snap(Math.min(a, b)), snap(Math.max(a, b))];
    if (lo < hi) positions.push({ tickLower: lo, tickUpper: hi, liquidity });
  };
  let center: number;
  switch (kind) {
    case 'near-min': center = minUsable + int(rng, 0, 3000); break;
    case 'near-max': center = maxUsable - int(rng, 1, 3000); break;
    default: center = int(rng, -300_000, 300_000);
  }
  const wordTicks = 256 * s;
  switch (kind) {
    case 'dense':
      for (let i = int(rng, 20, 50); i > 0; i--) add(center + s * int(rng, -60, 60), center + s * int(rng, -60, 60));
      break;
    case 'crowded':
      // Many small ranges: a large swap crosses a hundred initialized ticks or more.
      for (let i = int(rng, 80, 150); i > 0; i--) {
        const a = center + s * int(rng, -400, 400);
        add(a, a + s * int(rng, 1, 30));
      }
      break;
    case 'sparse':
      for (let i = int(rng, 2, 6); i > 0; i--) add(center + wordTicks * int(rng, -25, 25) + s * int(rng, 0, 255), center + wordTicks * int(rng, -25, 25));
      break;
    case 'gap':
      // Liquidity on both sides, none around the price: swaps cross a zero-liquidity stretch.
      add(center - wordTicks * int(rng, 1, 8), center - s * int(rng, 1, 40));
      add(center + s * int(rng, 1, 40), center + wordTicks * int(rng, 1, 8));
      break;
    case 'near-min':
      add(minUsable, center + s * int(rng, 1, 100));
      for (let i = int(rng, 3, 12); i > 0; i--) add(minUsable + s * int(rng, 0, 400), minUsable + s * int(rng, 0, 400));
      break;
    case 'near-max':
      add(center - s * int(rng, 1, 100), maxUsable);
      for (let i = int(rng, 3, 12); i > 0; i--) add(maxUsable - s * int(rng, 0, 400), maxUsable - s * int(rng, 0, 400));
      break;
    case 'full-range':
      add(minUsable, maxUsable);
      for (let i = int(rng, 5, 20); i > 0; i--) add(center + s * int(rng, -2000, 2000), center + s * int(rng, -2000, 2000));
      break;
  }
  if (positions.length === 0) add(center - s, center + s);
  // The price: inside a random tick near the center, or (1 in 8) exactly on an initialized tick.
  const boundaries = positions.flatMap((p) => [p.tickLower, p.tickUpper]).filter((t) => t > MIN_TICK && t < MAX_TICK);
  let sqrtPriceX96: bigint;
  let onBoundary: number | undefined;
  if (rng() < 0.125 && boundaries.length > 0) {
    onBoundary = boundaries[int(rng, 0, boundaries.length - 1)]!;
    sqrtPriceX96 = getSqrtRatioAtTick(onBoundary);
  } else {
    const t = Math.min(MAX_TICK - 1, Math.max(MIN_TICK, center + int(rng, -2 * s, 2 * s)));
    const lo = getSqrtRatioAtTick(t);
    const hi = getSqrtRatioAtTick(t + 1);
    sqrtPriceX96 = lo + (logUniform(rng, 0, 160) % (hi - lo));
  }
  const pool = poolFromPositions({ fee, tickSpacing: s, sqrtPriceX96, positions });
  let { tick, liquidity } = pool;
  if (onBoundary !== undefined && rng() < 0.5) {
    // On a tick reached from above, as a swap down leaves it: tick one below, that tick crossed.
    tick = onBoundary - 1;
    liquidity -= pool.liquidityNet[pool.ticks.indexOf(onBoundary)]!;
  }
  return {
    protocol: 'uniswap-v3', address: poolAddress(n), fee, tickSpacing: s,
    token0: token(2 * n + 1), token1: token(2 * n + 2),
    sqrtPriceX96, tick, liquidity,
    ticks: Array.from(pool.ticks, (tick, i) => ({ tick, liquidityNet: pool.liquidityNet[i]! })),
  };
}

/** `count` random V3 pools cycling through every kind and tier. */
export function randomV3Pools(seed: number, count: number): V3PoolSnapshot[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, n) => randomV3Pool(rng, n, V3_KINDS[n % V3_KINDS.length]!, V3_TIERS[Math.floor(n / V3_KINDS.length) % V3_TIERS.length]!));
}

/** `count` random V2 pairs (fee 3000, what the real pair charges) with reserves from 1e3 to 2^100. */
export function randomV2Pools(seed: number, count: number): V2PoolSnapshot[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, n) => ({
    protocol: 'uniswap-v2', address: poolAddress(n), fee: 3000,
    token0: token(2 * n + 1), token1: token(2 * n + 2),
    reserve0: 1000n + logUniform(rng, 10, 100), reserve1: 1000n + logUniform(rng, 10, 100),
  }));
}

/**
 * `chains` routes of `hops` random V2 pairs each (fee 3000), pair i of a chain trading tokens
 * i and i+1 of that chain, so routes of 2 and 3 hops share their middle tokens. Each token has
 * a scale (2^20 to 2^90) and its reserves stay within 2^±10 of it in every pair, so an amount
 * leaving one pair is neither dust nor a flood for the next; every chain has tokens of its own.
 */
export function randomV2Chains(seed: number, chains: number, hops: number): V2PoolSnapshot[] {
  const rng = createRng(seed);
  const scales = Array.from({ length: chains * (hops + 1) }, () => int(rng, 20, 90));
  const reserve = (t: number): bigint => 1000n + logUniform(rng, scales[t - 1]! - 10, scales[t - 1]! + 10);
  return Array.from({ length: chains * hops }, (_, n) => {
    const first = Math.floor(n / hops) * (hops + 1) + (n % hops) + 1;
    return {
      protocol: 'uniswap-v2', address: poolAddress(n), fee: 3000,
      token0: token(first), token1: token(first + 1),
      reserve0: reserve(first), reserve1: reserve(first + 1),
    };
  });
}
