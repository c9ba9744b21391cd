import type { FlashSourceKind } from './flash-source.ts';

/**
 * Gas units per route shape and flash source, for the net-profit estimate: FlashArbExecutor
 * measured on the local chain against the real Uniswap V2/V3, Balancer V2 Vault and Aave V3
 * bytecode (docs/BENCHMARKS.md; `npx vitest run src/executor/flash-arb-executor.test.ts` prints
 * the figures). Each entry is the measurement plus at least 1,000 gas, rounded up to a
 * multiple of 500. Measured as a live chain would charge a pool's first swap in a block: the
 * execution lands in a block 12 s after the last, and every V2 pair's price accumulators are
 * already non-zero (a pair seeded on the devnet and never traded at a later second would write
 * them zero → non-zero, ~45k gas per pair that no mainnet pair pays). Those conditions make the
 * figures reproducible to the gas; a test in src/executor holds every entry at or above the
 * measurement and less than 3 % over it. The scanner reads nothing else, so this file is the
 * one place to update.
 */

/**
 * Gas per initialized tick a V3 swap crosses (v3-crossings.ts counts them), added to the
 * table's figure, which was measured on swaps that cross none. Measured on the local chain against the real UniswapV3Pool
 * (src/executor/tick-crossing-gas.test.ts, docs/BENCHMARKS.md) in the dear case, where each
 * crossed tick's feeGrowthOutside0 and feeGrowthOutside1 slots go from zero to non-zero (a tick
 * of a fresh devnet pool, both fee growths already non-zero): the measurement plus at least
 * 1,000 gas, rounded up to a multiple of 500, as the table's entries. A tick crossed on mainnet
 * mostly rewrites non-zero slots and costs less: the estimate errs on the dear side.
 */
export const TICK_CROSS_GAS = 59_500n;

/** Hop kinds as they appear in a route shape. */
export type HopKind = 'v2' | 'v3';

/**
 * Measured gas per exact shape (e.g. 'v2,v2,v2') and flash source. A V2 flash swap needs a V2
 * first hop, so V3-first shapes have no such entry. A shape missing here falls back to
 * {@link fallbackGasUnits}.
 */
export const ROUTE_GAS: Readonly<Record<string, Readonly<Partial<Record<FlashSourceKind, bigint>>>>> = {
  'v2,v2': { none: 159_000n, 'v2-flash-swap': 173_500n, 'v3-flash': 225_500n, balancer: 200_000n, aave: 290_000n },
  'v2,v2,v2': { none: 216_500n, 'v2-flash-swap': 231_500n, 'v3-flash': 281_500n, balancer: 258_500n, aave: 349_000n },
  'v3,v3': { none: 222_000n, 'v3-flash': 288_500n, balancer: 263_000n, aave: 353_000n },
  'v3,v3,v3': { none: 311_000n, 'v3-flash': 375_500n, balancer: 353_000n, aave: 443_500n },
  'v2,v3': { none: 198_000n, 'v2-flash-swap': 205_000n, 'v3-flash': 264_500n, balancer: 239_000n, aave: 329_000n },
  'v3,v2': { none: 183_000n, 'v3-flash': 249_500n, balancer: 224_000n, aave: 314_000n },
  'v2,v3,v2': { none: 255_500n, 'v2-flash-swap': 263_500n, 'v3-flash': 320_500n, balancer: 297_500n, aave: 388_500n },
  'v3,v2,v3': { none: 271_500n, 'v3-flash': 336_500n, balancer: 314_000n, aave: 404_500n },
};

/**
 * Fallback for shapes not measured: fixed cost of one execution through Balancer (transaction,
 * flash loan, profit check). Fitted so that the fallback is at or above every measured entry
 * (a test holds it): an unmeasured shape is estimated on the dear side.
 */
export const BASE_GAS = 90_500n;

/** Fallback cost of one hop by kind (a V2 swap with its transfer, a V3 swap with its callback). */
export const HOP_GAS: Readonly<Record<HopKind, bigint>> = { v2: 58_500n, v3: 90_000n };

/**
 * Fallback gas of each flash source relative to Balancer, the dearest difference over the
 * measured shapes: own capital skips the loan; a V2 flash swap folds it into the first swap; a
 * V3 pool's `flash` adds a call and a callback; Aave adds its reserve bookkeeping and interest
 * accrual, and the executor approves the repayment, which Aave pulls with `transferFrom`.
 */
export const SOURCE_GAS: Readonly<Record<FlashSourceKind, bigint>> = {
  none: -41_000n,
  'v2-flash-swap': -26_500n,
  balancer: 0n,
  'v3-flash': 25_500n,
  aave: 91_000n,
};

function checkSource(hops: readonly HopKind[], source: FlashSourceKind): void {
  if (source === 'v2-flash-swap' && hops[0] !== 'v2') {
    throw new Error(`a V2 flash swap needs a V2 first hop, got route shape ${hops.join(',')}`);
  }
}

/** The per-hop estimate: base + hops + source overhead (what an unmeasured shape costs). */
export function fallbackGasUnits(hops: readonly HopKind[], source: FlashSourceKind): bigint {
  checkSource(hops, source);
  let gas = BASE_GAS + SOURCE_GAS[source];
  for (const hop of hops) gas += HOP_GAS[hop];
  return gas;
}

/** Gas units for a route of the given hop kinds borrowing from `source`. */
export function routeGasUnits(hops: readonly HopKind[], source: FlashSourceKind): bigint {
  checkSource(hops, source);
  return ROUTE_GAS[hops.join(',')]?.[source] ?? fallbackGasUnits(hops, source);
}

const SOURCES: readonly FlashSourceKind[] = ['none', 'v2-flash-swap', 'balancer', 'v3-flash', 'aave'];

/**
 * The most gas any route of 2..`maxHops` hops takes through any flash source: what one
 * execution may reserve at most (the hot key's gas money is counted in these).
 */
export function largestRouteGasUnits(maxHops: number): bigint {
  let largest = 0n;
  for (let hops = 2; hops <= maxHops; hops += 1) {
    for (let mask = 0; mask < 1 << hops; mask += 1) {
      const shape: HopKind[] = Array.from({ length: hops }, (_, i) => ((mask >> i) & 1 ? 'v3' : 'v2'));
      for (const source of SOURCES) {
        if (source === 'v2-flash-swap' && shape[0] !== 'v2') continue;
        const gas = routeGasUnits(shape, source);
        if (gas > largest) largest = gas;
      }
    }
  }
  return largest;
}
