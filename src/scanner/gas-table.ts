/**
 * Gas units per route shape, for the net-profit estimate: FlashArbExecutor measured on the local
 * chain against the real Uniswap bytecode (docs/BENCHMARKS.md), through the cheapest valid flash
 * source (a V2 flash swap when the first hop is V2, else Balancer), rounded up. A test in
 * src/executor holds every entry at or above the measurement. The scanner reads nothing else,
 * so this file is the one place to update.
 */

/** Hop kinds as they appear in a route shape. */
export type HopKind = 'v2' | 'v3';

/** Measured gas per exact shape (e.g. 'v2,v2,v2'); a shape missing here falls back to the per-hop sum. */
export const ROUTE_GAS: Readonly<Record<string, bigint>> = {
  'v2,v2': 241_500n,
  'v2,v2,v2': 334_500n,
  'v3,v3': 265_000n,
  'v3,v3,v3': 355_000n,
  'v2,v3': 239_500n,
  'v3,v2': 260_500n,
  'v2,v3,v2': 332_000n,
  'v3,v2,v3': 350_500n,
};

/** Fallback for shapes not measured: fixed cost of one execution (transaction, flash source, profit check). */
export const BASE_GAS = 84_000n;

/** Fallback cost of one hop by kind (a V2 swap with its transfer, a V3 swap with its callback). */
export const HOP_GAS: Readonly<Record<HopKind, bigint>> = { v2: 92_500n, v3: 90_000n };

/** Gas units for a route of the given hop kinds. */
export function routeGasUnits(hops: readonly HopKind[]): bigint {
  const measured = ROUTE_GAS[hops.join(',')];
  if (measured !== undefined) return measured;
  let gas = BASE_GAS;
  for (const hop of hops) gas += HOP_GAS[hop];
  return gas;
}
