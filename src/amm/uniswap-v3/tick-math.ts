import { AmmError } from '../errors.ts';
import { MAX_UINT256 } from './full-math.ts';

/**
 * Uniswap V3 TickMath, ported line by line: sqrt(1.0001^tick) as Q64.96 from a product of
 * precomputed Q128 factors, and its inverse through a fixed-point log2. The rounding is the
 * contract's, so getTickAtSqrtRatio(getSqrtRatioAtTick(t)) === t for every tick.
 */

/** Lowest tick: log base sqrt(1.0001) of 2^-128. */
export const MIN_TICK = -887272;
/** Highest tick. */
export const MAX_TICK = 887272;
/** getSqrtRatioAtTick(MIN_TICK). */
export const MIN_SQRT_RATIO = 4295128739n;
/** getSqrtRatioAtTick(MAX_TICK). */
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

// Q128 values of 1/sqrt(1.0001)^(2^i), for bit i of |tick| (i >= 1; bit 0 picks the start value).
const FACTORS: readonly bigint[] = [
  0xfff97272373d413259a46990580e213an, 0xfff2e50f5f656932ef12357cf3c7fdccn, 0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n, 0xff973b41fa98c081472e6896dfb254c0n, 0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n, 0xfcbe86c7900a88aedcffc83b479aa3a4n, 0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n, 0xe7159475a2c29b7443b29c7fa6e889d9n, 0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n, 0x70d869a156d2a1b890bb3df62baf32f7n, 0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n, 0x5d6af8dedb81196699c329225ee604n, 0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** sqrt(1.0001^tick) * 2^96, rounded up; throws 'T' outside [MIN_TICK, MAX_TICK]. */
export function getSqrtRatioAtTick(tick: number): bigint {
  const absTick = tick < 0 ? -tick : tick;
  if (!Number.isInteger(tick) || absTick > MAX_TICK) throw new AmmError('T', `tick ${tick} is outside [${MIN_TICK}, ${MAX_TICK}]`, { tick });
  let ratio = (absTick & 1) !== 0 ? 0xfffcb933bd6fad37aa2d162d1a594001n : 0x100000000000000000000000000000000n;
  for (let i = 0; i < FACTORS.length; i++) {
    if ((absTick & (2 << i)) !== 0) ratio = (ratio * FACTORS[i]!) >> 128n;
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  // Q128.128 -> Q64.96 rounding up, so getTickAtSqrtRatio of the result is consistent.
  return (ratio >> 32n) + ((ratio & 0xffffffffn) === 0n ? 0n : 1n);
}

/** Most significant bit index of a positive bigint (BitMath.mostSignificantBit). */
function msbOf(x: bigint): number {
  return x.toString(2).length - 1;
}

/**
 * The greatest tick whose sqrt ratio is <= sqrtPriceX96; throws 'R' outside
 * [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
 */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new AmmError('R', `sqrtPriceX96 ${sqrtPriceX96} is outside [${MIN_SQRT_RATIO}, ${MAX_SQRT_RATIO})`, { sqrtPriceX96 });
  }
  const ratio = sqrtPriceX96 << 32n;
  const msb = msbOf(ratio);
  let r = msb >= 128 ? ratio >> BigInt(msb - 127) : ratio << BigInt(127 - msb);
  let log2 = BigInt(msb - 128) << 64n;
  // 14 bits of the fractional part by repeated squaring, as the contract's unrolled assembly.
  for (let bit = 63n; bit >= 50n; bit--) {
    r = (r * r) >> 127n;
    const f = r >> 128n;
    log2 |= f << bit;
    r >>= f;
  }
  const logSqrt10001 = log2 * 255738958999603826347141n; // Q128.128
  const tickLow = Number((logSqrt10001 - 3402992956809132418596140100660247210n) >> 128n);
  const tickHi = Number((logSqrt10001 + 291339464771989622907027621153398088495n) >> 128n);
  if (tickLow === tickHi) return tickLow;
  return getSqrtRatioAtTick(tickHi) <= sqrtPriceX96 ? tickHi : tickLow;
}

const LN_SQRT_1_0001 = Math.log(1.0001) / 2;
const LN_Q96 = 96 * Math.LN2;

/**
 * getTickAtSqrtRatio by another road, for the swap loop's hot path: a floating-point estimate
 * of the tick, then corrected with the exact getSqrtRatioAtTick until it is the greatest tick
 * whose ratio is <= the price — the very property the contract's version guarantees, so the
 * results are equal (checked against it on random prices). About twice as fast in JavaScript.
 */
export function getTickAtSqrtRatioFast(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) return getTickAtSqrtRatio(sqrtPriceX96);
  let tick = Math.floor((Math.log(Number(sqrtPriceX96)) - LN_Q96) / LN_SQRT_1_0001);
  if (tick > MAX_TICK - 1) tick = MAX_TICK - 1;
  else if (tick < MIN_TICK) tick = MIN_TICK;
  while (getSqrtRatioAtTick(tick) > sqrtPriceX96) tick--;
  while (tick < MAX_TICK - 1 && getSqrtRatioAtTick(tick + 1) <= sqrtPriceX96) tick++;
  return tick;
}
