import type { VirtualPool } from './sizing.ts';

/**
 * Exact proofs that a V2 cycle cannot profit, cheaper than sizing it, for `sizeV2Route` to stop
 * early with the answer the search would have given (nothing profits). Both rest on the real
 * profit f(x) = A·x/(B + C·x) − k·x of the cycle's virtual pool (k = K/1e6, K = 1e6 + flash fee in
 * pips): every hop floors its output and the flash fee is rounded up, so no integer input's exact
 * profit exceeds f at that input, and an exact profit below 1 wei is at most 0. At 100k V2 pools a
 * quarter of the ~200k candidates end unprofitable (a bound that clears the screen by a hair, or a
 * hop rounding the optimum's amount to nothing), each after a closed form, a root and a few quotes.
 * All in bigints: no float decides.
 */

const PIPS = 1_000_000n;

/**
 * Whether f's maximum over the reals, (√A − √(kB))² / C, is below 1 wei. With u = 1e6·A, v = K·B
 * and w = 1e6·C: (√u − √v)² < w ⟺ u + v − w < 2·√(u·v), which holds outright when the left side
 * is negative and otherwise ⟺ (u + v − w)² < 4·u·v. Assumes u > v (the first wei profits).
 */
export function realMaximumBelowOne(pool: VirtualPool, flashFeePips: bigint): boolean {
  const u = pool.a * PIPS;
  const v = pool.b * (PIPS + flashFeePips);
  const s = u + v - pool.c * PIPS;
  return s < 0n || s * s < 4n * u * v;
}

/**
 * Whether no input from `start` on reaches 1 wei of real profit: f is concave, so when it no longer
 * rises at `start` (f′(start) ≤ 0 ⟺ 1e6·A·B ≤ K·(B + C·start)²) it is at most f(start) beyond,
 * and f(start) < 1 ⟺ 1e6·A·start < (B + C·start)·(1e6 + K·start). For the least input that yields
 * any output (`start`): every smaller input yields nothing and loses, so then nothing profits.
 */
export function noProfitFrom(pool: VirtualPool, flashFeePips: bigint, start: bigint): boolean {
  const k = PIPS + flashFeePips;
  const denominator = pool.b + pool.c * start;
  return pool.a * pool.b * PIPS <= k * denominator * denominator && pool.a * start * PIPS < denominator * (PIPS + k * start);
}

/**
 * Whether `realMaximumBelowOne` is worth asking: a float estimate of the real maximum,
 * (u − v)² / (w·(√u + √v)²), under 2, from the exact `edge` = u − v = 1e6·A − K·B > 0 (a float
 * difference of u and v would cancel exactly where the estimate matters). A wrong estimate only
 * costs or spares the exact test, whose ~8 products would cost the ~150k profitable candidates at
 * 100k V2 pools more than they spare the others; a float overflow answers no.
 */
export function mayProfitBelowOne(pool: VirtualPool, flashFeePips: bigint, edge: bigint): boolean {
  const d = Number(edge);
  const root = Math.sqrt(Number(pool.a) * 1e6) + Math.sqrt(Number(pool.b) * (1e6 + Number(flashFeePips)));
  return (d * d) / (Number(pool.c) * 1e6 * root * root) < 2;
}
