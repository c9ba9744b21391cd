/**
 * The few float statistics the risk report needs. Money stays bigint until here: these take
 * numbers (base units converted once) because a mean, a deviation or a normal quantile is an
 * estimate, never an amount anything is sent with.
 */

/** Arithmetic mean; NaN never escapes: callers check `values.length > 0` first. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (divisor n − 1); callers need at least two values. */
export function sampleStdDev(values: readonly number[]): number {
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * Downside deviation below a target of 0: √(Σ min(0, r)² / n) over every value, gains counting
 * as zero (the Sortino ratio's usual definition; dividing by all n, not by the losers only).
 */
export function downsideDeviation(values: readonly number[]): number {
  let squares = 0;
  for (const v of values) if (v < 0) squares += v * v;
  return Math.sqrt(squares / values.length);
}

/**
 * 1-based nearest rank of the lower `tail` share of n sorted values: ⌈tail·n⌉, at least 1. The
 * product is rounded to 12 digits first so that 0.05 × 100 is 5, not 5.000000000000001.
 */
export function nearestRank(tail: number, n: number): number {
  const product = Math.round(tail * n * 1e12) / 1e12;
  return Math.max(1, Math.ceil(product));
}

/** z-values of the standard normal used by the parametric VaR (Φ⁻¹(0.95), Φ⁻¹(0.99)). */
export const NORMAL_QUANTILE = { 0.95: 1.6448536269514722, 0.99: 2.3263478740408408 } as const;
