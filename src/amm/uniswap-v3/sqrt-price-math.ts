import { AmmError } from '../errors.ts';
import { divRoundingUp, MAX_UINT160, MAX_UINT256, mulDiv, mulDivRoundingUp, Q96 } from './full-math.ts';

/**
 * Uniswap V3 SqrtPriceMath, ported line by line. The contract's uint256 overflow checks are
 * reproduced, not just its formulas: where a product would overflow it switches to a less
 * precise formula, and that choice changes the last wei, so it must be made the same way here.
 */

const MAX_INT256 = (1n << 255n) - 1n;

function fail(reason: string, message: string, details: Record<string, unknown>): never {
  throw new AmmError(reason, message, details);
}

/** Next sqrt price after adding or removing `amount` of token0, rounded up. */
export function getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96: bigint, liquidity: bigint, amount: bigint, add: boolean): bigint {
  if (amount === 0n) return sqrtPX96;
  const numerator1 = liquidity << 96n;
  const product = amount * sqrtPX96;
  if (add) {
    if (product <= MAX_UINT256) {
      const denominator = numerator1 + product;
      if (denominator <= MAX_UINT256) return mulDivRoundingUp(numerator1, sqrtPX96, denominator);
    }
    // The contract's fallback when amount * sqrtP overflows: less precise, never overflows.
    const denominator = numerator1 / sqrtPX96 + amount;
    if (denominator > MAX_UINT256) fail('ADD', 'token0 amount overflows the sqrt price denominator', { amount });
    return divRoundingUp(numerator1, denominator);
  }
  if (product > MAX_UINT256 || numerator1 <= product) {
    fail('OUT0', `removing ${amount} of token0 exceeds the liquidity ${liquidity} at sqrtPriceX96 ${sqrtPX96}`, { amount, liquidity, sqrtPX96 });
  }
  const next = mulDivRoundingUp(numerator1, sqrtPX96, numerator1 - product);
  if (next > MAX_UINT160) fail('U160', 'next sqrt price overflows uint160', { amount });
  return next;
}

/** Next sqrt price after adding or removing `amount` of token1, rounded down. */
export function getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96: bigint, liquidity: bigint, amount: bigint, add: boolean): bigint {
  if (add) {
    const quotient = amount <= MAX_UINT160 ? (amount << 96n) / liquidity : mulDiv(amount, Q96, liquidity);
    const next = sqrtPX96 + quotient;
    if (next > MAX_UINT160) fail('U160', `adding ${amount} of token1 overflows the sqrt price`, { amount, liquidity });
    return next;
  }
  const quotient = amount <= MAX_UINT160 ? divRoundingUp(amount << 96n, liquidity) : mulDivRoundingUp(amount, Q96, liquidity);
  if (sqrtPX96 <= quotient) {
    fail('OUT1', `removing ${amount} of token1 exceeds the liquidity ${liquidity} at sqrtPriceX96 ${sqrtPX96}`, { amount, liquidity, sqrtPX96 });
  }
  return sqrtPX96 - quotient;
}

/** Next sqrt price after an exact input of token0 (zeroForOne) or token1. */
export function getNextSqrtPriceFromInput(sqrtPX96: bigint, liquidity: bigint, amountIn: bigint, zeroForOne: boolean): bigint {
  if (sqrtPX96 <= 0n || liquidity <= 0n) fail('INPUT', 'sqrt price and liquidity must be positive', { sqrtPX96, liquidity });
  return zeroForOne
    ? getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountIn, true)
    : getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountIn, true);
}

/** Next sqrt price after an exact output of token1 (zeroForOne) or token0. */
export function getNextSqrtPriceFromOutput(sqrtPX96: bigint, liquidity: bigint, amountOut: bigint, zeroForOne: boolean): bigint {
  if (sqrtPX96 <= 0n || liquidity <= 0n) fail('OUTPUT', 'sqrt price and liquidity must be positive', { sqrtPX96, liquidity });
  return zeroForOne
    ? getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountOut, false)
    : getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountOut, false);
}

/** Amount of token0 between two sqrt prices for `liquidity` (uint128), rounded as asked. */
export function getAmount0Delta(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtRatioAX96 > sqrtRatioBX96) [sqrtRatioAX96, sqrtRatioBX96] = [sqrtRatioBX96, sqrtRatioAX96];
  if (sqrtRatioAX96 <= 0n) fail('PRICE', 'sqrt price must be positive', { sqrtRatioAX96 });
  const numerator1 = liquidity << 96n;
  const numerator2 = sqrtRatioBX96 - sqrtRatioAX96;
  return roundUp
    ? divRoundingUp(mulDivRoundingUp(numerator1, numerator2, sqrtRatioBX96), sqrtRatioAX96)
    : mulDiv(numerator1, numerator2, sqrtRatioBX96) / sqrtRatioAX96;
}

/** Amount of token1 between two sqrt prices for `liquidity` (uint128), rounded as asked. */
export function getAmount1Delta(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtRatioAX96 > sqrtRatioBX96) [sqrtRatioAX96, sqrtRatioBX96] = [sqrtRatioBX96, sqrtRatioAX96];
  return roundUp
    ? mulDivRoundingUp(liquidity, sqrtRatioBX96 - sqrtRatioAX96, Q96)
    : mulDiv(liquidity, sqrtRatioBX96 - sqrtRatioAX96, Q96);
}

/** Signed token0 delta for a signed liquidity change (positions): rounds up when adding liquidity. */
export function getAmount0DeltaSigned(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, liquidity: bigint): bigint {
  const amount = liquidity < 0n
    ? -getAmount0Delta(sqrtRatioAX96, sqrtRatioBX96, -liquidity, false)
    : getAmount0Delta(sqrtRatioAX96, sqrtRatioBX96, liquidity, true);
  if (amount > MAX_INT256 || amount < -MAX_INT256) fail('I256', 'amount0 overflows int256', { liquidity });
  return amount;
}

/** Signed token1 delta for a signed liquidity change (positions): rounds up when adding liquidity. */
export function getAmount1DeltaSigned(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, liquidity: bigint): bigint {
  const amount = liquidity < 0n
    ? -getAmount1Delta(sqrtRatioAX96, sqrtRatioBX96, -liquidity, false)
    : getAmount1Delta(sqrtRatioAX96, sqrtRatioBX96, liquidity, true);
  if (amount > MAX_INT256 || amount < -MAX_INT256) fail('I256', 'amount1 overflows int256', { liquidity });
  return amount;
}
