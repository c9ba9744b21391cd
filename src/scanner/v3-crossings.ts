import { nextBoundary, sqrtRatioAtBoundary, type NextBoundary, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { FullSteps, SwapLadder } from '../amm/uniswap-v3/swap-ladder.ts';
import type { V3States } from './v3-states.ts';

const Q96 = 2 ** 96;
/** Relative margin of the float test below: its error is ~1e-15, so a margin of 1e-9 can never let a crossing pass. */
const MARGIN = 1 - 1e-9;
/** Scratch of the boundary search (counts never nest). */
const scratch: NextBoundary = { tick: 0, index: -1 };

/**
 * Whether an exact input of `amountIn` certainly stays short of the first boundary the swap loop
 * heads for, when that boundary is an initialized tick: it then crosses nothing. In floats (the
 * input to reach the boundary, fee included, as L·(1/√P' − 1/√P) or L·(√P' − √P)), with a margin
 * far above their error; anything closer, or a word edge first, goes to the exact ladder.
 */
function shortOfFirstTick(pool: Readonly<V3SwapPool>, zeroForOne: boolean, amountIn: bigint): boolean {
  const { index, tick } = nextBoundary(pool, zeroForOne, pool.tick, scratch);
  if (index < 0 || pool.liquidity <= 0n) return false;
  const s = Number(pool.sqrtPriceX96) / Q96;
  const t = Number(sqrtRatioAtBoundary(pool, tick)) / Q96;
  const liquidity = Number(pool.liquidity);
  const net = zeroForOne ? liquidity * (1 / t - 1 / s) : liquidity * (t - s);
  return Number(amountIn) < (net / (1 - pool.fee / 1e6)) * MARGIN;
}

/** One pool's ladders for its current state (rebuilt when it moves), and its full steps per tick map. */
interface PoolLadders {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  ticks: Int32Array;
  /** Index 1: zeroForOne, 0: the other way; built when first asked. */
  ladders: (SwapLadder | undefined)[];
  steps: (FullSteps | undefined)[];
}

/**
 * Initialized ticks a V3 hop crosses at an exact input. Each costs gas the gas table
 * (gas-table.ts, measured on swaps crossing none) does not hold: Tick.cross writes the tick's
 * feeGrowthOutside0/1 and oracle fields, and the loop takes one more step, reading the tick's
 * liquidityNet and a bitmap word; the scanner adds TICK_CROSS_GAS per crossing.
 *
 * The count is the swap loop's own (SwapLadder.ticksCrossed: the loop's rungs up to the input,
 * exact like its quotes), read off a ladder per pool state and direction. A ladder's full steps
 * are kept per tick map, so after a Swap only the step from the new price is computed again,
 * and a hop crossing hundreds of ticks costs as many array reads, not as many swap steps (a
 * swap loop run per sized cycle cost the arbitrum snapshot's median block 10×). A swap that
 * stays short of the first initialized tick, the common case, is told in floats first. A step the loop
 * stops at a bitmap word edge with no tick is not counted: it writes no tick (a word read and a
 * step, a few thousand gas, which the plan's gas-limit margin holds), and the table's own swaps
 * already took such steps. A pool refusing the swap counts 0: its quote was 0 too.
 */
export class V3Crossings {
  private readonly pools = new Map<number, PoolLadders>();

  constructor(private readonly v3: V3States) {}

  /** Initialized ticks V3 pool `pool` crosses swapping an exact `amountIn` (≤ 0: none) `zeroForOne` or the other way. */
  count(pool: number, zeroForOne: boolean, amountIn: bigint): number {
    if (amountIn <= 0n) return 0;
    const state = this.v3.get(pool);
    // Most sized swaps stay in their range: no ladder (a bigint swap step per changed pool) for those.
    if (shortOfFirstTick(state, zeroForOne, amountIn)) return 0;
    let entry = this.pools.get(pool);
    if (entry === undefined || entry.ticks !== state.ticks) {
      entry = { sqrtPriceX96: state.sqrtPriceX96, tick: state.tick, liquidity: state.liquidity, ticks: state.ticks, ladders: [undefined, undefined], steps: [undefined, undefined] };
      this.pools.set(pool, entry);
    } else if (entry.sqrtPriceX96 !== state.sqrtPriceX96 || entry.tick !== state.tick || entry.liquidity !== state.liquidity) {
      // A Swap: the price moved, the tick map (and its full steps) stayed.
      entry.sqrtPriceX96 = state.sqrtPriceX96;
      entry.tick = state.tick;
      entry.liquidity = state.liquidity;
      entry.ladders[0] = entry.ladders[1] = undefined;
    }
    const d = zeroForOne ? 1 : 0;
    let ladder = entry.ladders[d];
    if (ladder === undefined) {
      const steps = entry.steps[d] ?? (entry.steps[d] = new FullSteps(state.ticks, state.liquidityNet));
      ladder = entry.ladders[d] = new SwapLadder(state, zeroForOne, steps);
    }
    return ladder.ticksCrossed(amountIn) ?? 0;
  }
}
