import { AmmError } from './errors.ts';

/**
 * Uniswap V2 constant-product math, bit-exact with UniswapV2Library / UniswapV2Pair.
 *
 * The fee is in pips (hundredths of a basis point, 1e6 = 100 %): 3000 is Uniswap's 0.30 %
 * (997/1000), 2500 is the 0.25 % of forks like PancakeSwap (9975/10000). Scaling the
 * library's 1000-based formula to 1e6 multiplies numerator and denominator by the same
 * factor, so every floor (and the +1 of getAmountIn) is unchanged: the results equal the
 * router's to the wei, and getAmountOut is the largest output the pair's K check accepts.
 */

/** 1e6: the fee denominator (pips). */
export const FEE_DENOMINATOR = 1_000_000n;

/** Uniswap V2's own fee, 0.30 %, in pips. */
export const V2_DEFAULT_FEE_PIPS = 3000;

/** 1e6 − fee: the pips of an input a pair with `feePips` keeps (AmmError FEE for a fee outside [0, 999999]). */
export function feeFactor(feePips: number): bigint {
  if (!Number.isInteger(feePips) || feePips < 0 || feePips >= 1_000_000) {
    throw new AmmError('FEE', `fee must be an integer number of pips in [0, 999999], got ${feePips}`, { feePips });
  }
  return FEE_DENOMINATOR - BigInt(feePips);
}

/**
 * Output for an exact input (UniswapV2Library.getAmountOut), rounded down.
 * Throws AmmError INSUFFICIENT_INPUT_AMOUNT / INSUFFICIENT_LIQUIDITY like the library.
 */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feePips = V2_DEFAULT_FEE_PIPS): bigint {
  checkExactInput(amountIn, reserveIn, reserveOut);
  const amountInWithFee = amountIn * feeFactor(feePips);
  return (amountInWithFee * reserveOut) / (reserveIn * FEE_DENOMINATOR + amountInWithFee);
}

/**
 * getAmountOut for a pair quoted many times the same way, its constants computed once:
 * `scaledReserveIn` = 1e6 · reserveIn and `factor` = feeFactor(feePips). The same formula, so the
 * same output to the wei and the same errors, without the fee check, the fee's conversion and the
 * reserve's product on every quote (the scanner's sizing quotes each hop ~10 times a cycle).
 */
export function getAmountOutScaled(amountIn: bigint, scaledReserveIn: bigint, reserveOut: bigint, factor: bigint): bigint {
  if (amountIn <= 0n || scaledReserveIn <= 0n || reserveOut <= 0n) checkExactInput(amountIn, scaledReserveIn / FEE_DENOMINATOR, reserveOut);
  const amountInWithFee = amountIn * factor;
  return (amountInWithFee * reserveOut) / (scaledReserveIn + amountInWithFee);
}

/** The library's checks on an exact-input quote (getAmountOut), as AmmErrors. */
function checkExactInput(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): void {
  if (amountIn <= 0n) throw new AmmError('INSUFFICIENT_INPUT_AMOUNT', `amountIn must be positive, got ${amountIn}`, { amountIn });
  if (reserveIn <= 0n || reserveOut <= 0n) {
    throw new AmmError('INSUFFICIENT_LIQUIDITY', `reserves must be positive, got ${reserveIn} / ${reserveOut}`, { reserveIn, reserveOut });
  }
}

/** The library's checks on an exact-output quote (getAmountIn), as AmmErrors. */
function checkExactOutput(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): void {
  if (amountOut <= 0n) throw new AmmError('INSUFFICIENT_OUTPUT_AMOUNT', `amountOut must be positive, got ${amountOut}`, { amountOut });
  if (reserveIn <= 0n || reserveOut <= 0n) {
    throw new AmmError('INSUFFICIENT_LIQUIDITY', `reserves must be positive, got ${reserveIn} / ${reserveOut}`, { reserveIn, reserveOut });
  }
  if (amountOut >= reserveOut) {
    throw new AmmError('INSUFFICIENT_LIQUIDITY', `amountOut ${amountOut} is beyond the liquidity: not below the output reserve ${reserveOut}`, { amountOut, reserveOut });
  }
}

/**
 * Input needed for an exact output (UniswapV2Library.getAmountIn): floor + 1, exactly as
 * the library rounds (it may overpay by one wei, never underpay).
 * Throws AmmError INSUFFICIENT_OUTPUT_AMOUNT / INSUFFICIENT_LIQUIDITY; an output of the whole
 * reserve or more is INSUFFICIENT_LIQUIDITY (the library would divide by zero or underflow).
 */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feePips = V2_DEFAULT_FEE_PIPS): bigint {
  checkExactOutput(amountOut, reserveIn, reserveOut);
  const numerator = reserveIn * amountOut * FEE_DENOMINATOR;
  const denominator = (reserveOut - amountOut) * feeFactor(feePips);
  return numerator / denominator + 1n;
}

/**
 * Least input whose `getAmountOut` is at least `amountOut`: one below `getAmountIn` when its
 * division is exact, else the same. getAmountOut(x) >= out ⟺ x·g·Rout >= out·(1e6·Rin + x·g) ⟺
 * x·g·(Rout − out) >= 1e6·Rin·out, so it is ceil(1e6·Rin·out / (g·(Rout − out))): one division,
 * where getAmountIn and a getAmountOut to test the wei below took two (a search's hot path).
 * Throws like getAmountIn.
 */
export function leastAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feePips = V2_DEFAULT_FEE_PIPS): bigint {
  checkExactOutput(amountOut, reserveIn, reserveOut);
  const numerator = reserveIn * amountOut * FEE_DENOMINATOR;
  const denominator = (reserveOut - amountOut) * feeFactor(feePips);
  return (numerator + denominator - 1n) / denominator;
}

/** leastAmountIn with the pair's constants computed once, as getAmountOutScaled: the same result and errors. */
export function leastAmountInScaled(amountOut: bigint, scaledReserveIn: bigint, reserveOut: bigint, factor: bigint): bigint {
  if (amountOut <= 0n || scaledReserveIn <= 0n || amountOut >= reserveOut) checkExactOutput(amountOut, scaledReserveIn / FEE_DENOMINATOR, reserveOut);
  const numerator = scaledReserveIn * amountOut;
  const denominator = (reserveOut - amountOut) * factor;
  return (numerator + denominator - 1n) / denominator;
}

/** One hop of a V2 route: the reserves seen in the swap direction and the pair's fee. */
export interface V2Hop {
  reserveIn: bigint;
  reserveOut: bigint;
  feePips: number;
}

/**
 * Amounts along a route for an exact input (UniswapV2Library.getAmountsOut): element 0 is
 * `amountIn`, element i+1 the output of hop i. Each hop is priced on its own reserves, so a
 * route that visits one pair twice must be split by the caller.
 */
export function getAmountsOut(amountIn: bigint, hops: readonly V2Hop[]): bigint[] {
  const amounts = [amountIn];
  let amount = amountIn;
  for (const hop of hops) {
    amount = getAmountOut(amount, hop.reserveIn, hop.reserveOut, hop.feePips);
    amounts.push(amount);
  }
  return amounts;
}

/**
 * Amounts along a route for an exact output (UniswapV2Library.getAmountsIn): the last element
 * is `amountOut`, element 0 the input to send, each computed backwards with getAmountIn.
 */
export function getAmountsIn(amountOut: bigint, hops: readonly V2Hop[]): bigint[] {
  const amounts = new Array<bigint>(hops.length + 1);
  amounts[hops.length] = amountOut;
  let amount = amountOut;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    amount = getAmountIn(amount, hop.reserveIn, hop.reserveOut, hop.feePips);
    amounts[i] = amount;
  }
  return amounts;
}

/** Reserves after a swap of `amountIn` for `amountOut` (what the pair's Sync will report). */
export function reservesAfterSwap(reserveIn: bigint, reserveOut: bigint, amountIn: bigint, amountOut: bigint): { reserveIn: bigint; reserveOut: bigint } {
  return { reserveIn: reserveIn + amountIn, reserveOut: reserveOut - amountOut };
}

/**
 * Smallest repayment of the same token for a V2 flash swap of `amountOut`: the pair's K check
 * with an unchanged other reserve needs (1e6 - fee) * repay >= 1e6 * amountOut, rounded up.
 */
export function getFlashRepayAmount(amountOut: bigint, feePips = V2_DEFAULT_FEE_PIPS): bigint {
  const factor = feeFactor(feePips);
  return (amountOut * FEE_DENOMINATOR + factor - 1n) / factor;
}
