import type { CycleSet } from './cycles.ts';
import type { PoolTable } from './pool-table.ts';

/** Below this edge (ρ − 1) the float bound is not trusted and the integer one is used. */
const MIN_FLOAT_EDGE = 1e-4;
/** Relative margin over the float bound's error (< 1e-8 for edges above MIN_FLOAT_EDGE). */
const MARGIN = 1e-6;

/**
 * Upper bound of the profit of a V2 cycle in floats, from the same virtual pool as the closed
 * form: max over x of A·x/(B + C·x) − k·x = k·B·(ρ − 1)² / (C·(√ρ + 1)²), ρ = A/(k·B) the
 * product of the marginal rates net of fees, which the screen already summed in logs (so
 * ρ − 1 = expm1(sum − ln k) carries no cancellation). B and C are sums and products of
 * positive terms, accurate to ~1e-15; ρ − 1 to ~1e-13 absolute, hence the minimum edge.
 * Returns -1 when the bound cannot be trusted (thin edge, float overflow, the optimum near
 * maxIn), so the caller takes the exact integer bound; a bound orders refinement, it never
 * sizes a trade.
 */
export function floatProfitBound(pools: PoolTable, cycles: CycleSet, c: number, logSum: number, flashFeePips: number, maxIn: number): number {
  const k = 1 + flashFeePips / 1e6;
  const edge = Math.expm1(logSum - Math.log1p(flashFeePips / 1e6));
  if (!(edge >= MIN_FLOAT_EDGE)) return -1;
  let a = 1;
  let b = 1;
  let cc = 0;
  const base = c * cycles.stride;
  for (let h = 0; h < cycles.length[c]!; h++) {
    const p = cycles.pools[base + h]!;
    const g = 1e6 - pools.fee[p]!;
    const zeroForOne = cycles.zeroForOne[base + h] === 1;
    const reserveIn = pools.reserveF[2 * p + (zeroForOne ? 0 : 1)]!;
    const reserveOut = pools.reserveF[2 * p + (zeroForOne ? 1 : 0)]!;
    cc = 1e6 * reserveIn * cc + a * g;
    a *= g * reserveOut;
    b *= 1e6 * reserveIn;
  }
  const root = Math.sqrt(1 + edge);
  const optimum = (b * (root - 1)) / cc;
  const bound = (k * (b / cc) * edge * edge) / ((root + 1) * (root + 1));
  if (!Number.isFinite(bound) || !Number.isFinite(optimum) || optimum * (1 + MARGIN) >= maxIn) return -1;
  return bound * (1 + MARGIN) + 1;
}
