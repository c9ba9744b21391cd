import { lastIndexAtOrBelow, sqrtRatioAtBoundary, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { getAmount0Delta, getAmount1Delta } from '../amm/uniswap-v3/sqrt-price-math.ts';
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from '../amm/uniswap-v3/tick-math.ts';
import type { V3States } from './v3-states.ts';

/** Per tick map: what its ranges hold beyond each initialized tick, at the liquidity the map gives them. */
interface RangeSums {
  /** cumulative[j]: Σ liquidityNet of ticks 0..j, the liquidity of the range [ticks[j], ticks[j + 1]). */
  cumulative: bigint[];
  /** above0[j]: token0 held by the ranges from ticks[j] up (above0[n] = 0). */
  above0: bigint[];
  /** below1[j]: token1 held by the ranges below ticks[j] (below1[0] = 0). */
  below1: bigint[];
}

/** The capacities of one pool state, kept until the pool's state changes. */
interface Memo {
  sqrtPriceX96: bigint;
  liquidity: bigint;
  tick: number;
  ticks: Int32Array;
  token0: bigint;
  token1: bigint;
}

/**
 * How much of each token a V3 pool can lend through `flash`, as a lower bound of its balance
 * from its state: the token0 its liquidity holds above the current price plus the token1 it
 * holds below (what a swap to the end of its tick map pays out that way). Each range's amount
 * is SqrtPriceMath's getAmount{0,1}Delta rounded down, so not more than the range's real
 * holding; the balance is at least the sum of those: liquidity is minted with amounts rounded
 * up, swaps take input rounded up and pay output rounded down, burns pay rounded down, and
 * uncollected fees (LPs' and the protocol's) sit on top. A tick map cut short by the snapshot
 * only lowers the bound. A transfer tax or rebasing token would break it; V3 pools holding one
 * are not lenders the scanner can reason about either way.
 *
 * The range sums depend only on the tick map (cached per map: a Mint or Burn replaces it); a
 * state adds its current range's part, O(log n) per Swap, cached until the state changes.
 */
export class V3LenderCapacity {
  private readonly sums = new WeakMap<Int32Array, RangeSums>();
  private readonly memo = new Map<number, Memo>();

  constructor(private readonly v3: V3States) {}

  /** Lower bound of V3 pool `pool`'s balance of its token0 (`token0`) or token1. */
  of(pool: number, token0: boolean): bigint {
    const state = this.v3.get(pool);
    let memo = this.memo.get(pool);
    if (memo === undefined || memo.sqrtPriceX96 !== state.sqrtPriceX96 || memo.liquidity !== state.liquidity || memo.tick !== state.tick || memo.ticks !== state.ticks) {
      memo = this.compute(state);
      this.memo.set(pool, memo);
    }
    return token0 ? memo.token0 : memo.token1;
  }

  private compute(state: Readonly<V3SwapPool>): Memo {
    const { ticks, sqrtPriceX96, liquidity, tick } = state;
    const sums = this.rangeSums(state);
    const n = ticks.length;
    // The current range is [ticks[i], ticks[i + 1]) (unbounded past the ends of the map).
    const i = lastIndexAtOrBelow(ticks, tick);
    const lowerPrice = i >= 0 ? sqrtRatioAtBoundary(state, ticks[i]!) : MIN_SQRT_RATIO;
    const upperPrice = i + 1 < n ? sqrtRatioAtBoundary(state, ticks[i + 1]!) : MAX_SQRT_RATIO;
    let token0 = upperPrice > sqrtPriceX96 ? getAmount0Delta(sqrtPriceX96, upperPrice, liquidity, false) : 0n;
    let token1 = sqrtPriceX96 > lowerPrice ? getAmount1Delta(lowerPrice, sqrtPriceX96, liquidity, false) : 0n;
    const offset = liquidity - (i >= 0 ? sums.cumulative[i]! : 0n);
    if (offset === 0n) {
      token0 += sums.above0[i + 1]!;
      token1 += sums.below1[Math.max(i, 0)]!;
    } else {
      // The map's liquidity disagrees with the pool's (a map cut short): the ranges beyond are
      // shifted by the same amount, summed here, never below zero.
      for (let j = i + 1; j < n; j++) token0 += rangeAmount(state, j, sums.cumulative[j]! + offset, true);
      for (let j = 0; j < i; j++) token1 += rangeAmount(state, j, sums.cumulative[j]! + offset, false);
    }
    return { sqrtPriceX96, liquidity, tick, ticks, token0, token1 };
  }

  private rangeSums(state: Readonly<V3SwapPool>): RangeSums {
    const known = this.sums.get(state.ticks);
    if (known !== undefined) return known;
    const { ticks, liquidityNet } = state;
    const n = ticks.length;
    const cumulative = new Array<bigint>(n);
    let l = 0n;
    for (let j = 0; j < n; j++) cumulative[j] = l += liquidityNet[j]!;
    const above0 = new Array<bigint>(n + 1);
    above0[n] = 0n;
    for (let j = n - 1; j >= 0; j--) above0[j] = above0[j + 1]! + rangeAmount(state, j, cumulative[j]!, true);
    const below1 = new Array<bigint>(n + 1);
    below1[0] = 0n;
    for (let j = 0; j < n; j++) below1[j + 1] = below1[j]! + rangeAmount(state, j, cumulative[j]!, false);
    const sums = { cumulative, above0, below1 };
    this.sums.set(ticks, sums);
    return sums;
  }
}

/** Token0 (`token0`) or token1 the range [ticks[j], ticks[j + 1]) holds at `liquidity`, rounded down; 0 for no liquidity. */
function rangeAmount(state: Readonly<V3SwapPool>, j: number, liquidity: bigint, token0: boolean): bigint {
  if (liquidity <= 0n) return 0n;
  const { ticks } = state;
  const lower = sqrtRatioAtBoundary(state, ticks[j]!);
  const upper = j + 1 < ticks.length ? sqrtRatioAtBoundary(state, ticks[j + 1]!) : MAX_SQRT_RATIO;
  return token0 ? getAmount0Delta(lower, upper, liquidity, false) : getAmount1Delta(lower, upper, liquidity, false);
}
