import type { Route } from './route.ts';
import { climb, closedFormOptimum, composeV2, finish, profitAt, scan, scanLevels, type Sized, type SizingLimits } from './sizing.ts';

/** Enough halvings of the bracket for any uint112 range; the climb finishes the last steps. */
const MAX_SEARCH_STEPS = 200;
/** 1/φ ≈ 0.6180339887 as a fraction, for the golden-section steps. */
const GOLDEN_NUM = 6_180_339_887n;
const GOLDEN_DEN = 10_000_000_000n;
/** The search starts at least this far up, so a staircase near zero is searched whole. */
const MIN_BRACKET = 64n;
/**
 * Up to this many inputs or output levels, the bracket is searched exhaustively (a V3 quote
 * costs tens of µs, so this stays small; the bracket around the seed is narrow for small pools).
 */
const GENERIC_EXHAUSTIVE = 256n;

/**
 * Sizes a route with concentrated-liquidity hops, where no closed form holds across ticks:
 * seed with the closed form of the current ranges (each V3 hop as the constant-product pool of
 * its virtual reserves: exact while the swap stays in range, the usual case for deep pools),
 * bracket the maximum around the seed (halving or doubling the ends while profit still
 * improves), then search the exact integer profit: exhaustively when the bracket, or the
 * output levels of its coarsest hop, are few (small pools, whose profit is a staircase);
 * otherwise a golden-section search (the route's output is concave up to rounding) to a
 * relative precision of 2^-20, and the same integer climb as V2. At least a local integer
 * optimum; one V3 quote per search step, ~50 in all for a deep pool.
 */
export function sizeGenericRoute(route: Route, limits: SizingLimits): Sized | undefined {
  const { flashFeePips, maxIn } = limits;
  const at = (x: bigint): bigint => profitAt(route, x, flashFeePips);
  let seed = closedFormOptimum(composeV2(route), flashFeePips);
  // A small seed: search everything from 1 (a staircase near zero has no useful slope).
  const small = seed < MIN_BRACKET;
  if (small) seed = MIN_BRACKET;
  if (seed > maxIn) seed = maxIn;
  const here = at(seed);
  let lo = small ? 1n : seed / 2n;
  let hi = seed * 2n > maxIn ? maxIn : seed * 2n;
  // Grow the bracket towards whichever side still gains.
  for (let step = 0; step < MAX_SEARCH_STEPS && lo > 1n && at(lo) >= here; step++) lo /= 2n;
  for (let step = 0; step < MAX_SEARCH_STEPS && hi < maxIn && at(hi) >= here; step++) hi = hi * 2n > maxIn ? maxIn : hi * 2n;
  if (lo < 1n) lo = 1n;
  if (hi - lo <= GENERIC_EXHAUSTIVE) return finish(route, scan(route, lo, hi, flashFeePips), flashFeePips);
  const levelled = scanLevels(route, lo, hi, seed, flashFeePips, GENERIC_EXHAUSTIVE);
  if (levelled !== undefined) return finish(route, levelled, flashFeePips);
  // Golden section: one new evaluation per step, the bracket shrinking by 0.618 each time.
  let a = lo;
  let b = hi;
  let m1 = b - ((b - a) * GOLDEN_NUM) / GOLDEN_DEN;
  let m2 = a + ((b - a) * GOLDEN_NUM) / GOLDEN_DEN;
  let p1 = at(m1);
  let p2 = at(m2);
  for (let step = 0; step < MAX_SEARCH_STEPS && b - a > 8n && b - a > a >> 20n; step++) {
    if (p1 < p2) {
      a = m1;
      m1 = m2;
      p1 = p2;
      m2 = a + ((b - a) * GOLDEN_NUM) / GOLDEN_DEN;
      p2 = at(m2);
    } else {
      b = m2;
      m2 = m1;
      p2 = p1;
      m1 = b - ((b - a) * GOLDEN_NUM) / GOLDEN_DEN;
      p1 = at(m1);
    }
  }
  return finish(route, climb(route, p1 >= p2 ? m1 : m2, limits), flashFeePips);
}
