import { mulDiv, mulDivRoundingUp } from './full-math.ts';
import { getAmount0Delta, getAmount1Delta, getNextSqrtPriceFromInput, getNextSqrtPriceFromOutput } from './sqrt-price-math.ts';

/**
 * Uniswap V3 SwapMath.computeSwapStep, ported line by line: one step of the swap loop
 * within a single liquidity range, towards a target sqrt price.
 */

/**
 * Result of one swap step. The swap loop owns one instance and passes it to every step, so
 * stepping allocates nothing but the bigints themselves.
 */
export interface SwapStep {
  sqrtRatioNextX96: bigint;
  amountIn: bigint;
  amountOut: bigint;
  feeAmount: bigint;
}

/** A fresh, zeroed SwapStep to reuse across calls of computeSwapStep. */
export function newSwapStep(): SwapStep {
  return { sqrtRatioNextX96: 0n, amountIn: 0n, amountOut: 0n, feeAmount: 0n };
}

/**
 * Swaps from `sqrtRatioCurrentX96` towards `sqrtRatioTargetX96` with `liquidity` until the
 * target or `amountRemaining` is reached (> 0 exact input incl. fee, < 0 exact output), writing
 * the result into `out` and returning it. `feePips` is the pool fee in hundredths of a bip.
 */
export function computeSwapStep(
  sqrtRatioCurrentX96: bigint,
  sqrtRatioTargetX96: bigint,
  liquidity: bigint,
  amountRemaining: bigint,
  feePips: number,
  out: SwapStep = newSwapStep(),
): SwapStep {
  const zeroForOne = sqrtRatioCurrentX96 >= sqrtRatioTargetX96;
  const exactIn = amountRemaining >= 0n;
  const fee = BigInt(feePips);
  let sqrtRatioNextX96: bigint;
  let amountIn = 0n;
  let amountOut = 0n;

  if (exactIn) {
    const amountRemainingLessFee = mulDiv(amountRemaining, 1_000_000n - fee, 1_000_000n);
    amountIn = zeroForOne
      ? getAmount0Delta(sqrtRatioTargetX96, sqrtRatioCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtRatioCurrentX96, sqrtRatioTargetX96, liquidity, true);
    sqrtRatioNextX96 = amountRemainingLessFee >= amountIn
      ? sqrtRatioTargetX96
      : getNextSqrtPriceFromInput(sqrtRatioCurrentX96, liquidity, amountRemainingLessFee, zeroForOne);
  } else {
    amountOut = zeroForOne
      ? getAmount1Delta(sqrtRatioTargetX96, sqrtRatioCurrentX96, liquidity, false)
      : getAmount0Delta(sqrtRatioCurrentX96, sqrtRatioTargetX96, liquidity, false);
    sqrtRatioNextX96 = -amountRemaining >= amountOut
      ? sqrtRatioTargetX96
      : getNextSqrtPriceFromOutput(sqrtRatioCurrentX96, liquidity, -amountRemaining, zeroForOne);
  }

  const max = sqrtRatioTargetX96 === sqrtRatioNextX96;
  if (zeroForOne) {
    if (!(max && exactIn)) amountIn = getAmount0Delta(sqrtRatioNextX96, sqrtRatioCurrentX96, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount1Delta(sqrtRatioNextX96, sqrtRatioCurrentX96, liquidity, false);
  } else {
    if (!(max && exactIn)) amountIn = getAmount1Delta(sqrtRatioCurrentX96, sqrtRatioNextX96, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount0Delta(sqrtRatioCurrentX96, sqrtRatioNextX96, liquidity, false);
  }

  // Cap the output at what is still wanted: the rounding of the price can overshoot it.
  if (!exactIn && amountOut > -amountRemaining) amountOut = -amountRemaining;

  out.sqrtRatioNextX96 = sqrtRatioNextX96;
  out.amountIn = amountIn;
  out.amountOut = amountOut;
  // Target not reached on exact input: the whole remainder is taken, the excess over amountIn as fee.
  out.feeAmount = exactIn && sqrtRatioNextX96 !== sqrtRatioTargetX96
    ? amountRemaining - amountIn
    : mulDivRoundingUp(amountIn, fee, 1_000_000n - fee);
  return out;
}
