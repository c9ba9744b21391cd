import { lastIndexAtOrBelow, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';

/** Which ways a pool's move may have raised what it pays: bit 0 swapping token0 → token1, bit 1 the other way. */
export const RAISED_ZERO_FOR_ONE = 1;
export const RAISED_ONE_FOR_ZERO = 2;
export const RAISED_BOTH = RAISED_ZERO_FOR_ONE | RAISED_ONE_FOR_ZERO;

/**
 * A pool's state before a block moved it, and which ways the move may have made it pay more
 * (for any input, in real terms). A swap moves a pool along its own curve: whoever then swaps the
 * same way meets the rest of that curve, which pays at most what the whole curve paid (the real
 * output f is concave with f(0) = 0, so f(a + x) − f(a) ≤ f(x)). Every key the ranking holds
 * (bound-pool keys, walk bounds, group keys) bounds the real profit of the state it was computed
 * at, and a route's real output is monotone in each hop's, so the keys of the cycles crossing the
 * pool that way still bound their profits: a block need not re-key them, only drop their exact
 * results (`Scanner.refresh`, `Scanner.top`). Only the other way must be looked at again.
 *
 * Exact tests, no floats (a pool with a zero reserve or no liquidity before counts as raised both ways):
 * - V2 (reserves in R, out S, the fee unchanged): out(x) = γ·x·S/(R + γ·x); the new pool pays at
 *   most the old at every x iff S' ≤ S (the limit as x grows) and S'/R' ≤ S/R (the rate at 0):
 *   S'(R + γx) ≤ S(R' + γx) ⟺ S'·R − S·R' ≤ γx·(S − S'), whose left side is ≤ 0 and right ≥ 0.
 * - V3 (the tick map the same object, so unchanged): the price moved the way of the swap, within
 *   the range it was in (no initialized tick between the old and new tick, as the walk and the
 *   swap loop index them), and the same active liquidity, not zero. The curve from the new price is then
 *   the old one's rest. Anything else (a tick crossed, a Mint or Burn, a new tick map) counts as
 *   raised both ways: only a cheaper re-evaluation is lost.
 */
export function raisedV2(reserve0: bigint, reserve1: bigint, after0: bigint, after1: bigint): number {
  // A dry pool is screened out (it pays nothing to the scanner, not the formula's whole reserve):
  // its cycles hold no key to keep.
  if (reserve0 <= 0n || reserve1 <= 0n) return RAISED_BOTH;
  let raised = 0;
  // token0 in, token1 out: R = reserve0, S = reserve1. A swap moves one reserve up and the other
  // down: then S' ≤ S with R' ≥ R gives S'·R ≤ S·R' at once, and the products (every changed pool,
  // every block) are needed only when both reserves fell.
  if (!(after1 <= reserve1 && (after0 >= reserve0 || after1 * reserve0 <= reserve1 * after0))) raised |= RAISED_ZERO_FOR_ONE;
  if (!(after0 <= reserve0 && (after1 >= reserve1 || after0 * reserve1 <= reserve0 * after1))) raised |= RAISED_ONE_FOR_ZERO;
  return raised;
}

/** The part of a V3 pool's state a swap moves (the tick map is compared by identity). */
export interface V3Before {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  ticks: Int32Array;
}

export function v3Before(pool: Readonly<V3SwapPool>): V3Before {
  return { sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity, ticks: pool.ticks };
}

export function raisedV3(before: V3Before, after: Readonly<V3SwapPool>): number {
  if (after.ticks !== before.ticks || after.liquidity !== before.liquidity || before.liquidity <= 0n) return RAISED_BOTH;
  if (lastIndexAtOrBelow(after.ticks, after.tick) !== lastIndexAtOrBelow(before.ticks, before.tick)) return RAISED_BOTH;
  if (after.sqrtPriceX96 === before.sqrtPriceX96) return 0;
  // Price down: a zeroForOne swap moved it; swapping that way again meets the rest of the curve.
  return after.sqrtPriceX96 < before.sqrtPriceX96 ? RAISED_ONE_FOR_ZERO : RAISED_ZERO_FOR_ONE;
}
