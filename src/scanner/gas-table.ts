import type { FlashSourceKind } from './flash-source.ts';

/**
 * Gas units per route shape and flash source, for the net-profit estimate: FlashArbExecutor
 * measured on the local chain against the real Uniswap V2/V3, Balancer V2 Vault and Aave V3
 * bytecode (docs/BENCHMARKS.md; `npx vitest run src/executor/flash-arb-executor.test.ts` prints
 * the figures). Each entry is the dearest figure seen for its case plus at least 1,000 gas,
 * rounded up to a multiple of 500: the figures move with the block's second (V2 price
 * accumulators and V3 oracle observations, Aave's interest accrual, Balancer's pause-window
 * check), and the table keeps the dearer case. A test in src/executor measures every entry in
 * a block 12 s after the last (reproducible) and holds it at or above the measurement and less
 * than 20 % over it. The scanner reads nothing else, so this file is the one place to update.
 */

/** Hop kinds as they appear in a route shape. */
export type HopKind = 'v2' | 'v3';

/**
 * Measured gas per exact shape (e.g. 'v2,v2,v2') and flash source. A V2 flash swap needs a V2
 * first hop, so V3-first shapes have no such entry. A shape missing here falls back to
 * {@link fallbackGasUnits}.
 */
export const ROUTE_GAS: Readonly<Record<string, Readonly<Partial<Record<FlashSourceKind, bigint>>>>> = {
  'v2,v2': { none: 227_500n, 'v2-flash-swap': 241_500n, 'v3-flash': 294_000n, balancer: 270_500n, aave: 358_500n },
  'v2,v2,v2': { none: 319_000n, 'v2-flash-swap': 334_000n, 'v3-flash': 384_000n, balancer: 363_500n, aave: 452_000n },
  'v3,v3': { none: 222_000n, 'v3-flash': 288_500n, balancer: 265_000n, aave: 353_000n },
  'v3,v3,v3': { none: 311_000n, 'v3-flash': 375_500n, balancer: 355_000n, aave: 443_500n },
  'v2,v3': { none: 232_000n, 'v2-flash-swap': 239_500n, 'v3-flash': 299_000n, balancer: 275_500n, aave: 363_500n },
  'v3,v2': { none: 217_000n, 'v3-flash': 284_000n, balancer: 260_000n, aave: 348_000n },
  'v2,v3,v2': { none: 324_000n, 'v2-flash-swap': 332_000n, 'v3-flash': 389_000n, balancer: 368_000n, aave: 456_500n },
  'v3,v2,v3': { none: 306_000n, 'v3-flash': 371_000n, balancer: 350_000n, aave: 438_500n },
};

/**
 * Fallback for shapes not measured: fixed cost of one execution through Balancer (transaction,
 * flash loan, profit check). Fitted so that the fallback is at or above every measured entry
 * (a test holds it): an unmeasured shape is estimated on the dear side.
 */
export const BASE_GAS = 92_500n;

/** Fallback cost of one hop by kind (a V2 swap with its transfer, a V3 swap with its callback). */
export const HOP_GAS: Readonly<Record<HopKind, bigint>> = { v2: 93_000n, v3: 90_000n };

/**
 * Fallback gas of each flash source relative to Balancer, the dearest difference over the
 * measured shapes: own capital skips the loan; a V2 flash swap folds it into the first swap; a
 * V3 pool's `flash` adds a call and a callback; Aave adds its reserve bookkeeping and interest
 * accrual, and the executor approves the repayment, which Aave pulls with `transferFrom`.
 */
export const SOURCE_GAS: Readonly<Record<FlashSourceKind, bigint>> = {
  none: -43_500n,
  'v2-flash-swap': -36_000n,
  balancer: 0n,
  'v3-flash': 23_500n,
  aave: 88_000n,
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
