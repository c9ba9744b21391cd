import { AmmError } from '../errors.ts';

/**
 * Uniswap V3 FullMath / UnsafeMath on `bigint`: 512-bit intermediate products are free in
 * JavaScript, so only the contract's range checks need porting: a zero denominator and a
 * result that does not fit in uint256 revert there, and throw here.
 */

/** 2^256 - 1. */
export const MAX_UINT256 = (1n << 256n) - 1n;
/** 2^160 - 1. */
export const MAX_UINT160 = (1n << 160n) - 1n;
/** 2^128 - 1. */
export const MAX_UINT128 = (1n << 128n) - 1n;
/** 2^96: the Q64.96 unit of sqrt prices. */
export const Q96 = 1n << 96n;
/** 2^128: the Q128.128 unit of fee growth. */
export const Q128 = 1n << 128n;

/** floor(a * b / denominator), reverting (throwing) where FullMath.mulDiv does. */
export function mulDiv(a: bigint, b: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new AmmError('MULDIV', 'mulDiv by zero', { a, b });
  const result = (a * b) / denominator;
  if (result > MAX_UINT256) throw new AmmError('MULDIV', 'mulDiv result overflows uint256', { a, b, denominator });
  return result;
}

/** ceil(a * b / denominator), reverting (throwing) where FullMath.mulDivRoundingUp does. */
export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new AmmError('MULDIV', 'mulDivRoundingUp by zero', { a, b });
  const product = a * b;
  let result = product / denominator;
  if (product % denominator > 0n) result += 1n;
  // The contract requires result < 2^256 - 1 before the increment; checking the final value is the same.
  if (result > MAX_UINT256) throw new AmmError('MULDIV', 'mulDivRoundingUp result overflows uint256', { a, b, denominator });
  return result;
}

/** UnsafeMath.divRoundingUp: ceil(x / y), and 0 for y = 0 as the EVM's `div` gives. */
export function divRoundingUp(x: bigint, y: bigint): bigint {
  if (y === 0n) return 0n;
  const q = x / y;
  return x % y > 0n ? q + 1n : q;
}
