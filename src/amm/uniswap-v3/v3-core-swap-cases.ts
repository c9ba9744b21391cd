import { MAX_SQRT_RATIO, MIN_SQRT_RATIO, MAX_TICK, MIN_TICK } from './tick-math.ts';
import type { Position } from './positions.ts';

/**
 * The pool set-ups of Uniswap V3 core's test/UniswapV3Pool.swaps.spec.ts (TEST_POOLS), rebuilt
 * from its description, so the published snapshot of its results can be replayed on our math.
 */

/** encodePriceSqrt of Uniswap's test utilities: bignumber.js with 40 decimal places, half-up. */
export function encodePriceSqrt(reserve1: bigint, reserve0: bigint): bigint {
  const scale = 10n ** 40n;
  // r1 / r0 rounded half-up to 40 decimals.
  const quotient = (2n * reserve1 * scale + reserve0) / (2n * reserve0);
  // sqrt to 40 decimals, half-up: s = round(sqrt(quotient * 10^40)).
  const n = quotient * scale;
  let s = isqrt(n);
  if (4n * n >= (2n * s + 1n) ** 2n) s += 1n;
  return (s << 96n) / scale;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Newton's method from a power of two above the root decreases monotonically to floor(sqrt(n)).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const SPACING = { 500: 10, 3000: 60, 10000: 200 } as const;
const minTick = (s: number): number => Math.ceil(MIN_TICK / s) * s;
const maxTick = (s: number): number => Math.floor(MAX_TICK / s) * s;
const maxLiquidityPerTick = (s: number): bigint => ((1n << 128n) - 1n) / BigInt((maxTick(s) - minTick(s)) / s + 1);
const E18 = 10n ** 18n;

/** One pool set-up of the suite. */
export interface V3CoreSwapPool {
  description: string;
  fee: 500 | 3000 | 10000;
  tickSpacing: number;
  sqrtPriceX96: bigint;
  positions: Position[];
}

function pool(description: string, fee: 500 | 3000 | 10000, sqrtPriceX96: bigint, positions: (s: number) => Position[]): V3CoreSwapPool {
  return { description, fee, tickSpacing: SPACING[fee], sqrtPriceX96, positions: positions(SPACING[fee]) };
}

const full = (s: number, liquidity = 2n * E18): Position => ({ tickLower: minTick(s), tickUpper: maxTick(s), liquidity });

/** TEST_POOLS of UniswapV3Pool.swaps.spec.ts, in its order. */
export const V3_CORE_SWAP_POOLS: V3CoreSwapPool[] = [
  pool('low fee, 1:1 price, 2e18 max range liquidity', 500, encodePriceSqrt(1n, 1n), (s) => [full(s)]),
  pool('medium fee, 1:1 price, 2e18 max range liquidity', 3000, encodePriceSqrt(1n, 1n), (s) => [full(s)]),
  pool('high fee, 1:1 price, 2e18 max range liquidity', 10000, encodePriceSqrt(1n, 1n), (s) => [full(s)]),
  pool('medium fee, 10:1 price, 2e18 max range liquidity', 3000, encodePriceSqrt(10n, 1n), (s) => [full(s)]),
  pool('medium fee, 1:10 price, 2e18 max range liquidity', 3000, encodePriceSqrt(1n, 10n), (s) => [full(s)]),
  pool('medium fee, 1:1 price, 0 liquidity, all liquidity around current price', 3000, encodePriceSqrt(1n, 1n), (s) => [
    { tickLower: minTick(s), tickUpper: -s, liquidity: 2n * E18 },
    { tickLower: s, tickUpper: maxTick(s), liquidity: 2n * E18 },
  ]),
  pool('medium fee, 1:1 price, additional liquidity around current price', 3000, encodePriceSqrt(1n, 1n), (s) => [
    full(s),
    { tickLower: minTick(s), tickUpper: -s, liquidity: 2n * E18 },
    { tickLower: s, tickUpper: maxTick(s), liquidity: 2n * E18 },
  ]),
  pool('low fee, large liquidity around current price (stable swap)', 500, encodePriceSqrt(1n, 1n), (s) => [
    { tickLower: -s, tickUpper: s, liquidity: 2n * E18 },
  ]),
  pool('medium fee, token0 liquidity only', 3000, encodePriceSqrt(1n, 1n), (s) => [{ tickLower: 0, tickUpper: 2000 * s, liquidity: 2n * E18 }]),
  pool('medium fee, token1 liquidity only', 3000, encodePriceSqrt(1n, 1n), (s) => [{ tickLower: -2000 * s, tickUpper: 0, liquidity: 2n * E18 }]),
  pool('close to max price', 3000, encodePriceSqrt(1n << 127n, 1n), (s) => [full(s)]),
  pool('close to min price', 3000, encodePriceSqrt(1n, 1n << 127n), (s) => [full(s)]),
  pool('max full range liquidity at 1:1 price with default fee', 3000, encodePriceSqrt(1n, 1n), (s) => [full(s, maxLiquidityPerTick(s))]),
  pool('initialized at the max ratio', 3000, MAX_SQRT_RATIO - 1n, (s) => [full(s)]),
  pool('initialized at the min ratio', 3000, MIN_SQRT_RATIO, (s) => [full(s)]),
];

/** Price limits of the suite by their printed form (formatPrice of encodePriceSqrt). */
export const V3_CORE_PRICE_LIMITS: Readonly<Record<string, bigint>> = {
  '0.50000': encodePriceSqrt(50n, 100n),
  '2.0000': encodePriceSqrt(200n, 100n),
  '2.5000': encodePriceSqrt(5n, 2n),
  '0.40000': encodePriceSqrt(2n, 5n),
};

/** Amounts of the suite by their printed form (formatTokenAmount). */
export const V3_CORE_AMOUNTS: Readonly<Record<string, bigint>> = {
  '1.0000': E18,
  '0.0000000000000010000': 1000n,
};
