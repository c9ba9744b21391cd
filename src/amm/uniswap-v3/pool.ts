import { AmmError } from '../errors.ts';
import { addDelta } from './liquidity-math.ts';
import { computeSwapStep, newSwapStep } from './swap-math.ts';
import { getSqrtRatioAtTick, getTickAtSqrtRatioFast, MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './tick-math.ts';

/**
 * The Uniswap V3 pool's swap loop (UniswapV3Pool.swap without transfers, oracle and fee
 * accounting, none of which changes the amounts), over a sorted array of initialized ticks.
 *
 * The contract finds the next tick with TickBitmap.nextInitializedTickWithinOneWord, which
 * stops at the edge of each 256-tick-spacing bitmap word even when nothing is initialized
 * there. Each stop is a separate computeSwapStep whose roundings (amountIn up, fee up) do not
 * add up to those of one big step, so the stops are reproduced exactly: the next tick is the
 * nearer of the next initialized tick (binary search) and the word edge.
 */

const MAX_INT256 = (1n << 255n) - 1n;
const MIN_INT256 = -(1n << 255n);

/** What the swap loop reads from a pool. Ticks must be multiples of tickSpacing, strictly increasing. */
export interface V3SwapPool {
  /** Fee in pips (3000 = 0.30 %). */
  fee: number;
  tickSpacing: number;
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Initialized ticks, strictly increasing. */
  ticks: Int32Array;
  /** liquidityNet of ticks[i], same index. */
  liquidityNet: readonly bigint[];
  /**
   * Optional memo of getSqrtRatioAtTick for the ticks the loop steps to (initialized ticks and
   * bitmap word edges), filled as it reaches them. Keyed by tick (a pure function), so changing `ticks` never makes it wrong.
   */
  sqrtRatioCache?: Map<number, bigint>;
}

/** Amounts (pool's view: > 0 paid into the pool, < 0 paid out) and the state after the swap. */
export interface V3SwapResult {
  amount0: bigint;
  amount1: bigint;
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Initialized ticks crossed (each changed the liquidity). */
  initializedTicksCrossed: number;
  /** computeSwapStep calls, word-edge stops included. */
  steps: number;
  /** Growth of the input token's feeGrowthGlobalX128 (protocol fee off): checks the step structure. */
  feeGrowthGlobalX128Delta: bigint;
}

/** Index of the last element <= value, or -1. */
export function lastIndexAtOrBelow(ticks: Int32Array, value: number): number {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ticks[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the first element > value, or ticks.length. */
export function firstIndexAbove(ticks: Int32Array, value: number): number {
  return lastIndexAtOrBelow(ticks, value) + 1;
}

/** The price limit routers and the Quoter use when given 0: as far as the pool allows. */
export function defaultSqrtPriceLimit(zeroForOne: boolean): bigint {
  return zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
}

/** Where the swap loop's next step ends: the boundary tick and, when it is initialized, its index in `ticks` (−1: a bitmap word edge or a tick bound). */
export interface NextBoundary {
  tick: number;
  index: number;
}

/**
 * The boundary the swap loop steps towards from loop tick `tick`, as the contract finds it
 * (TickBitmap.nextInitializedTickWithinOneWord, then clamped to the tick bounds): the nearer of
 * the next initialized tick (binary search) and the edge of the current 256-tick-spacing word.
 * Written into `out`, which the caller reuses, so a step allocates nothing. Shared by `swap` and
 * the swap ladder's full steps (swap-ladder.ts), which must stop exactly where the loop stops.
 */
export function nextBoundary(pool: Readonly<V3SwapPool>, zeroForOne: boolean, tick: number, out: NextBoundary): NextBoundary {
  const { ticks, tickSpacing } = pool;
  // Floor division: the bitmap's "compressed" tick rounds towards negative infinity.
  const compressed = Math.floor(tick / tickSpacing);
  let tickNext: number;
  let index: number;
  if (zeroForOne) {
    // Lowest tick of the current bitmap word; an initialized tick at or below `tick` wins if in it.
    const wordEdge = (compressed - (compressed & 255)) * tickSpacing;
    index = lastIndexAtOrBelow(ticks, tick);
    if (index >= 0 && ticks[index]! >= wordEdge) tickNext = ticks[index]!;
    else {
      tickNext = wordEdge;
      index = -1;
    }
  } else {
    // The search starts in the word of compressed + 1; its highest tick is the edge.
    const next = compressed + 1;
    const wordEdge = (next - (next & 255) + 255) * tickSpacing;
    index = firstIndexAbove(ticks, tick);
    if (index < ticks.length && ticks[index]! <= wordEdge) tickNext = ticks[index]!;
    else {
      tickNext = wordEdge;
      index = -1;
    }
  }
  // The bitmap does not know the tick bounds; the contract clamps.
  if (tickNext < MIN_TICK) tickNext = MIN_TICK;
  else if (tickNext > MAX_TICK) tickNext = MAX_TICK;
  out.tick = tickNext;
  out.index = index;
  return out;
}

/** getSqrtRatioAtTick of a boundary, through the pool's memo when it has one. */
export function sqrtRatioAtBoundary(pool: Readonly<V3SwapPool>, tick: number): bigint {
  const cache = pool.sqrtRatioCache;
  if (cache === undefined) return getSqrtRatioAtTick(tick);
  let ratio = cache.get(tick);
  if (ratio === undefined) cache.set(tick, (ratio = getSqrtRatioAtTick(tick)));
  return ratio;
}

/**
 * Swaps on `pool` without changing it. `amountSpecified` > 0 is an exact input, < 0 an exact
 * output (Uniswap's sign convention); the swap stops early at `sqrtPriceLimitX96` (default: the
 * extreme price), like the contract, so an exact output may come back partially filled.
 * Throws AmmError 'AS' (zero amount) or 'SPL' (limit on the wrong side) as the pool reverts.
 */
export function swap(pool: V3SwapPool, zeroForOne: boolean, amountSpecified: bigint, sqrtPriceLimitX96?: bigint): V3SwapResult {
  const limit = sqrtPriceLimitX96 ?? defaultSqrtPriceLimit(zeroForOne);
  if (amountSpecified === 0n) throw new AmmError('AS', 'swap amount must not be zero');
  if (amountSpecified > MAX_INT256 || amountSpecified < MIN_INT256) {
    throw new AmmError('AS', `swap amount ${amountSpecified} does not fit in int256`, { amountSpecified });
  }
  const validLimit = zeroForOne
    ? limit < pool.sqrtPriceX96 && limit > MIN_SQRT_RATIO
    : limit > pool.sqrtPriceX96 && limit < MAX_SQRT_RATIO;
  if (!validLimit) {
    throw new AmmError('SPL', `sqrtPriceLimitX96 ${limit} is not ${zeroForOne ? 'below' : 'above'} the pool price ${pool.sqrtPriceX96} within the price range`, { sqrtPriceLimitX96: limit });
  }

  const { liquidityNet, fee } = pool;
  const exactInput = amountSpecified > 0n;
  const step = newSwapStep();
  const next: NextBoundary = { tick: 0, index: -1 };
  let remaining = amountSpecified;
  let calculated = 0n;
  let sqrtPriceX96 = pool.sqrtPriceX96;
  let tick = pool.tick;
  let liquidity = pool.liquidity;
  let crossed = 0;
  let steps = 0;
  let feeGrowth = 0n;

  while (remaining !== 0n && sqrtPriceX96 !== limit) {
    const sqrtPriceStartX96 = sqrtPriceX96;
    const { tick: tickNext, index } = nextBoundary(pool, zeroForOne, tick, next);
    const sqrtPriceNextX96 = sqrtRatioAtBoundary(pool, tickNext);

    const target = (zeroForOne ? sqrtPriceNextX96 < limit : sqrtPriceNextX96 > limit) ? limit : sqrtPriceNextX96;
    computeSwapStep(sqrtPriceX96, target, liquidity, remaining, fee, step);
    sqrtPriceX96 = step.sqrtRatioNextX96;
    steps++;

    if (exactInput) {
      remaining -= step.amountIn + step.feeAmount;
      calculated -= step.amountOut;
    } else {
      remaining += step.amountOut;
      calculated += step.amountIn + step.feeAmount;
    }

    if (liquidity > 0n) feeGrowth += (step.feeAmount << 128n) / liquidity;

    if (sqrtPriceX96 === sqrtPriceNextX96) {
      if (index >= 0) {
        const net = liquidityNet[index]!;
        // Moving left, liquidityNet applies with the opposite sign.
        liquidity = addDelta(liquidity, zeroForOne ? -net : net);
        crossed++;
      }
      tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (sqrtPriceX96 !== sqrtPriceStartX96) {
      // Unless still on a lower tick boundary already crossed, the tick follows the price.
      tick = getTickAtSqrtRatioFast(sqrtPriceX96);
    }
  }

  const specifiedUsed = amountSpecified - remaining;
  const [amount0, amount1] = zeroForOne === exactInput ? [specifiedUsed, calculated] : [calculated, specifiedUsed];
  return { amount0, amount1, sqrtPriceX96, tick, liquidity, initializedTicksCrossed: crossed, steps, feeGrowthGlobalX128Delta: feeGrowth };
}
