import { AmmError } from '../amm/errors.ts';
import { nextBoundary, sqrtRatioAtBoundary, swap, type NextBoundary, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { FullSteps, type FullStep } from '../amm/uniswap-v3/swap-ladder.ts';
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from '../amm/uniswap-v3/tick-math.ts';
import type { V3States } from './v3-states.ts';

const Q96 = 2 ** 96;
/** Relative margin of the float test below: its error is ~1e-15, so a margin of 1e-9 can never let a crossing pass. */
const MARGIN = 1 - 1e-9;
/** Full steps one jump spans. */
const JUMP = 16;
/** Scratch of the boundary search (counts never nest). */
const scratch: NextBoundary = { tick: 0, index: -1 };

/** JUMP full steps from a boundary at a liquidity: their summed input and crossings, and the loop's state after them. */
interface Jump {
  liquidityBefore: bigint;
  input: bigint;
  crossed: number;
  tick: number;
  sqrtPriceX96: bigint;
  liquidity: bigint;
}

/** One pool's full steps and jumps per direction (index 1: zeroForOne), for one tick map. */
interface PoolSteps {
  ticks: Int32Array;
  steps: (FullSteps | undefined)[];
  jumps: Map<number, Jump | null>[];
  /** The first step from the pool's current state per direction (the state it was taken at: several cycles count through one pool). */
  firstAt: bigint;
  firstTick: number;
  first: (FullStep | undefined)[];
}

/**
 * Initialized ticks a V3 hop crosses at an exact input. Each costs gas the gas table
 * (gas-table.ts, measured on swaps crossing none) does not hold: Tick.cross writes the tick's
 * feeGrowthOutside0/1 and oracle fields, and the loop takes one more step, reading the tick's
 * liquidityNet and a bitmap word; the scanner adds TICK_CROSS_GAS per crossing.
 *
 * The count is the swap loop's own, exactly (held equal to `swap`'s initializedTicksCrossed by
 * v3-crossings.test.ts): the loop's full steps (swap-ladder.ts's, kept per tick map, so after a
 * Swap only the step from the new price is computed) are taken while the input lasts, then its
 * last, partial step crosses nothing unless it lands on the next boundary, which only an input
 * within rounding of the full step can (the loop itself is run then).
 * Runs of JUMP full steps are summed once per tick map, so a hop crossing hundreds of ticks costs
 * tens of reads (the arbitrum bench's top cycles cross up to 253). A swap short of its first
 * initialized tick, the common case, is told in floats first. A step the loop stops at a bitmap
 * word edge with no tick is not counted: it writes no tick (a word read and a step, a few
 * thousand gas, which the plan's gas-limit margin holds). A pool refusing the swap counts what
 * the loop crossed before it: its quote was 0, and no cycle profits through it.
 */
export class V3Crossings {
  private readonly pools = new Map<number, PoolSteps>();

  constructor(private readonly v3: V3States) {}

  /** Initialized ticks V3 pool `pool` crosses swapping an exact `amountIn` (≤ 0: none) `zeroForOne` or the other way. */
  count(pool: number, zeroForOne: boolean, amountIn: bigint): number {
    if (amountIn <= 0n) return 0;
    const state = this.v3.get(pool);
    const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
    // At or beyond its price limit the pool refuses every swap this way (SPL).
    if (zeroForOne ? !(limit < state.sqrtPriceX96) : !(limit > state.sqrtPriceX96)) return 0;
    if (shortOfFirstTick(state, zeroForOne, amountIn)) return 0;
    let entry = this.pools.get(pool);
    if (entry === undefined || entry.ticks !== state.ticks) {
      entry = { ticks: state.ticks, steps: [undefined, undefined], jumps: [new Map(), new Map()], firstAt: -1n, firstTick: 0, first: [undefined, undefined] };
      this.pools.set(pool, entry);
    }
    // A swap moves the price; a Mint or Burn at the same price may change the liquidity in range.
    if (entry.firstAt !== state.sqrtPriceX96 || entry.firstTick !== state.tick || entry.first.some((f) => f !== undefined && f.liquidity !== state.liquidity)) {
      entry.firstAt = state.sqrtPriceX96;
      entry.firstTick = state.tick;
      entry.first[0] = entry.first[1] = undefined;
    }
    const d = zeroForOne ? 1 : 0;
    const steps = entry.steps[d] ?? (entry.steps[d] = new FullSteps(state.ticks, state.liquidityNet));
    const jumps = entry.jumps[d]!;
    let remaining = amountIn;
    let crossed = 0;
    let { sqrtPriceX96, tick, liquidity } = state;
    let onBoundary = false;
    try {
      for (;;) {
        if (onBoundary) {
          const jump = this.jump(state, zeroForOne, steps, jumps, sqrtPriceX96, tick, liquidity);
          // Strictly less: the loop then goes on past the jump's last step (equal input would end on it).
          if (jump !== null && jump.input < remaining) {
            remaining -= jump.input;
            crossed += jump.crossed;
            ({ tick, sqrtPriceX96, liquidity } = jump);
            continue;
          }
        }
        const step = onBoundary ? steps.step(state, zeroForOne, sqrtPriceX96, tick, liquidity, true) : (entry.first[d] ??= steps.step(state, zeroForOne, sqrtPriceX96, tick, liquidity, false));
        if (step.input > remaining) {
          // The last, partial step: short of the boundary by more than rounding makes up, it
          // crosses nothing; otherwise run the loop on. Its price reaches the boundary only with an
          // input less fee a ≥ A − 1 for the full step's A (getNextSqrtPriceFromInput rounds the
          // price towards the start, and A is at most ⌈real⌉ + 1), and an input 8 wei short of
          // the step's A plus fee leaves a ≤ A − 3 for any fee below 50 %.
          if (step.input - remaining > 8n && state.fee < 500_000) return crossed;
          return crossed + swap({ ...state, sqrtPriceX96, tick, liquidity }, zeroForOne, remaining).initializedTicksCrossed;
        }
        remaining -= step.input;
        if (step.crosses) crossed++;
        if (step.atLimit || remaining === 0n) return crossed;
        sqrtPriceX96 = step.sqrtPriceX96;
        tick = step.tickAfter;
        liquidity = step.liquidityAfter;
        onBoundary = true;
      }
    } catch (error) {
      if (error instanceof AmmError) return crossed;
      throw error;
    }
  }

  /** The jump from boundary `tick` at `liquidity` (built once per tick map); null when fewer than JUMP full steps lie ahead. */
  private jump(state: Readonly<V3SwapPool>, zeroForOne: boolean, steps: FullSteps, jumps: Map<number, Jump | null>, sqrtPriceX96: bigint, tick: number, liquidity: bigint): Jump | null {
    const known = jumps.get(tick);
    if (known !== undefined && (known === null || known.liquidityBefore === liquidity)) return known;
    let jump: Jump | null = { liquidityBefore: liquidity, input: 0n, crossed: 0, tick, sqrtPriceX96, liquidity };
    for (let k = 0; k < JUMP; k++) {
      const step = steps.step(state, zeroForOne, jump.sqrtPriceX96, jump.tick, jump.liquidity, true);
      if (step.atLimit) {
        jump = null;
        break;
      }
      jump.input += step.input;
      if (step.crosses) jump.crossed++;
      jump.tick = step.tickAfter;
      jump.sqrtPriceX96 = step.sqrtPriceX96;
      jump.liquidity = step.liquidityAfter;
    }
    jumps.set(tick, jump);
    return jump;
  }
}

/**
 * Whether an exact input of `amountIn` certainly stays short of the first boundary the swap loop
 * heads for, when that boundary is an initialized tick: it then crosses nothing. In floats (the
 * input to reach the boundary, fee included, as L·(1/√P' − 1/√P) or L·(√P' − √P)), with a margin
 * far above their error; anything closer, or a word edge first, is walked exactly.
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
