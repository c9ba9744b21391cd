import { AmmError } from '../errors.ts';
import { mulDiv } from './full-math.ts';
import { addDelta } from './liquidity-math.ts';
import { nextBoundary, sqrtRatioAtBoundary, swap, type NextBoundary, type V3SwapPool, type V3SwapResult } from './pool.ts';
import { getAmount0Delta, getAmount1Delta, getNextSqrtPriceFromInput } from './sqrt-price-math.ts';
import { computeSwapStep, newSwapStep } from './swap-math.ts';
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from './tick-math.ts';

/** The fee's unit (hundredths of a bip). */
const PIPS = 1_000_000n;
/** Far more than any pool holds: a step given it always reaches its target. */
const UNBOUNDED = 1n << 200n;

/**
 * One full step of the swap loop from a boundary to the next one, as the loop computes it. A
 * full step's amounts depend only on its start and end prices, the liquidity and the fee, never
 * on how much input remains (SwapMath: a step reaching its target takes amountIn to it and
 * fee = ⌈amountIn·fee/(1e6 − fee)⌉, and pays amountOut to it), so it is kept for the pool's tick
 * map and reused by every state of the pool whose swaps pass that boundary with that liquidity.
 */
export interface FullStep {
  /** Liquidity during the step (the entry is valid only for it). */
  liquidity: bigint;
  /** Input taken, fee included, and output paid. */
  input: bigint;
  output: bigint;
  /** Boundary tick reached, the price there, and the loop's tick and liquidity after it. */
  boundary: number;
  sqrtPriceX96: bigint;
  tickAfter: number;
  liquidityAfter: bigint;
  /** The step ended on the price limit rather than a boundary: nothing lies beyond. */
  atLimit: boolean;
  /** The boundary is an initialized tick, which the loop crosses (Tick.cross) on reaching it. */
  crosses: boolean;
}

/**
 * Full steps of one pool and direction, keyed by the boundary (or start tick) they start from,
 * for one tick map: a Swap moves the price but keeps every step beyond the current range; a Mint
 * or Burn replaces the map, and with it this cache.
 */
export class FullSteps {
  private readonly steps = new Map<number, FullStep>();

  constructor(readonly ticks: Int32Array, readonly liquidityNet: readonly bigint[]) {}

  /** The full step from boundary `from` (price `sqrtPriceX96`, loop tick `tick`), cached when it starts on a boundary. */
  step(pool: Readonly<V3SwapPool>, zeroForOne: boolean, sqrtPriceX96: bigint, tick: number, liquidity: bigint, onBoundary: boolean): FullStep {
    if (onBoundary) {
      const known = this.steps.get(tick);
      if (known !== undefined && known.liquidity === liquidity) return known;
    }
    const step = fullStep(pool, zeroForOne, sqrtPriceX96, tick, liquidity);
    if (onBoundary) this.steps.set(tick, step);
    return step;
  }
}

/** Scratch of `fullStep`'s boundary search (one per module: full steps never nest). */
const boundary: NextBoundary = { tick: 0, index: -1 };

/**
 * The swap loop's next full step from (price, tick, liquidity), exactly as `swap` takes it with
 * the default price limit: the nearer of the next initialized tick and the bitmap word's edge,
 * clamped to the tick bounds, the limit when that lies beyond it.
 */
function fullStep(pool: Readonly<V3SwapPool>, zeroForOne: boolean, sqrtPriceX96: bigint, tick: number, liquidity: bigint): FullStep {
  const { liquidityNet, fee } = pool;
  const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
  const { tick: tickNext, index } = nextBoundary(pool, zeroForOne, tick, boundary);
  const sqrtPriceNextX96 = sqrtRatioAtBoundary(pool, tickNext);
  const atLimit = zeroForOne ? sqrtPriceNextX96 < limit : sqrtPriceNextX96 > limit;
  const target = atLimit ? limit : sqrtPriceNextX96;
  const s = computeSwapStep(sqrtPriceX96, target, liquidity, UNBOUNDED, fee, newSwapStep());
  let liquidityAfter = liquidity;
  let tickAfter = tick;
  if (!atLimit) {
    if (index >= 0) liquidityAfter = addDelta(liquidity, zeroForOne ? -liquidityNet[index]! : liquidityNet[index]!);
    tickAfter = zeroForOne ? tickNext - 1 : tickNext;
  }
  return { liquidity, input: s.amountIn + s.feeAmount, output: s.amountOut, boundary: tickNext, sqrtPriceX96: s.sqrtRatioNextX96, tickAfter, liquidityAfter, atLimit, crosses: !atLimit && index >= 0 };
}

/**
 * Exact quotes of one pool state in one direction, in O(log n) plus one step of the swap loop:
 * the loop's state at every boundary (initialized tick or bitmap word edge) it reaches, with the
 * input taken and output paid up to there, built outwards as far as the quotes ask.
 *
 * Why it equals `swap`. An exact input X completes the loop's first j full steps iff X ≥ their
 * summed input (a step reaches its target iff ⌊r·(1e6 − fee)/1e6⌋ ≥ amountIn for the remainder
 * r, i.e. r ≥ amountIn + ⌈amountIn·fee/(1e6 − fee)⌉, its whole input with fee), and each full
 * step's amounts do not depend on X; likewise an exact output completes them iff it is ≥ their
 * summed output. So the loop for X is the rungs up to the last one X reaches, then the loop run
 * from that rung's state with what remains, which stops before the next boundary: one step.
 * swap-ladder.test.ts holds every quote equal to a whole run of `swap`.
 */
export class SwapLadder {
  /** Rung r: after r full steps. Rung 0 is the pool's state. */
  private readonly input: bigint[] = [0n];
  private readonly output: bigint[] = [0n];
  private readonly sqrtPrice: bigint[];
  private readonly tick: number[];
  private readonly liquidity: bigint[];
  private readonly boundary: number[] = [Number.NaN];
  /** No rung beyond the last: the limit is reached, or the next step reverts (quotes past it run the loop, which reverts). */
  private ended = false;
  /** The pool sits at or beyond this direction's price limit: every swap reverts (SPL). */
  private readonly stuck: boolean;
  /** Scratch step of the last, partial step of a quote. */
  private readonly step = newSwapStep();

  constructor(private readonly pool: Readonly<V3SwapPool>, readonly zeroForOne: boolean, private readonly steps: FullSteps) {
    this.sqrtPrice = [pool.sqrtPriceX96];
    this.tick = [pool.tick];
    this.liquidity = [pool.liquidity];
    const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
    this.stuck = zeroForOne ? !(limit < pool.sqrtPriceX96) : !(limit > pool.sqrtPriceX96);
    if (this.stuck) this.ended = true;
  }

  /** Rungs built so far (rung 0 is the pool's state). */
  get rungs(): number {
    return this.input.length;
  }

  /** Output of an exact-input swap of `amountIn` > 0 (what it paid if the limit stopped it); undefined where the pool reverts. */
  exactIn(amountIn: bigint): bigint | undefined {
    if (this.stuck) return undefined;
    const r = this.rungAtInput(amountIn);
    const rest = amountIn - this.input[r]!;
    // At the price limit the loop stops, partially filled.
    if (rest === 0n || this.limitRung(r)) return this.output[r];
    if (r + 1 < this.input.length) {
      // Short of the next rung: the loop's one step towards it, which the remainder cannot complete.
      const paid = this.partialOut(r, rest);
      if (paid !== undefined) return this.output[r]! + paid;
    }
    const result = this.resume(r, rest);
    return result === undefined ? undefined : this.output[r]! - (this.zeroForOne ? result.amount1 : result.amount0);
  }

  /**
   * Input an exact-output swap of `amountOut` > 0 charges and the output it delivers (less when the
   * limit stops it); undefined where the pool reverts.
   */
  exactOut(amountOut: bigint): { input: bigint; output: bigint } | undefined {
    if (this.stuck) return undefined;
    const r = this.rungAtOutput(amountOut);
    const rest = amountOut - this.output[r]!;
    if (rest === 0n) {
      // The loop stops at the first rung paying that much (a step may pay nothing and still take input).
      let first = r;
      while (first > 0 && this.output[first - 1] === amountOut) first--;
      return { input: this.input[first]!, output: amountOut };
    }
    if (this.limitRung(r)) return { input: this.input[r]!, output: this.output[r]! };
    if (r + 1 < this.input.length) {
      const step = computeSwapStep(this.sqrtPrice[r]!, this.sqrtPrice[r + 1]!, this.liquidity[r]!, -rest, this.pool.fee, this.step);
      // One step delivering the whole remainder ends the loop (otherwise it would step again: run it).
      if (step.sqrtRatioNextX96 !== this.sqrtPrice[r + 1] && step.amountOut === rest) return { input: this.input[r]! + step.amountIn + step.feeAmount, output: amountOut };
    }
    const result = this.resume(r, -rest);
    if (result === undefined) return undefined;
    const [taken, paid] = this.zeroForOne ? [result.amount0, -result.amount1] : [result.amount1, -result.amount0];
    return { input: this.input[r]! + taken, output: this.output[r]! + paid };
  }

  /**
   * Input that brings the pool to initialized tick `tick`'s price (the loop then crosses it), or,
   * for NaN, to its price limit; undefined when no swap in this direction reaches it.
   */
  inputTo(tick: number): bigint | undefined {
    for (let r = 1; ; r++) {
      if (r >= this.input.length && !this.extend()) return undefined;
      if (Number.isNaN(tick) ? this.limitRung(r) : this.boundary[r] === tick && !this.limitRung(r)) {
        // As a swap with that price as its limit: none when the pool is already there.
        return this.sqrtPrice[r] === this.pool.sqrtPriceX96 ? undefined : this.input[r];
      }
      if (!Number.isNaN(tick) && (this.zeroForOne ? this.boundary[r]! < tick : this.boundary[r]! > tick)) return undefined;
    }
  }

  /**
   * Output of the loop's one step from rung r with exact input `rest`, short of rung r + 1's
   * summed input; undefined when its price lands on rung r + 1's anyway (the loop then steps on).
   * The same numbers as `computeSwapStep` (the quote path runs this ~16 times a sizing), without
   * the two amounts that step computes only for the fee: with `rest` below the full step's input
   * with fee G = A + ⌈A·fee/(1e6 − fee)⌉, ⌊rest·(1e6 − fee)/1e6⌋ < A, so computeSwapStep takes
   * its price from getNextSqrtPriceFromInput and its output from that price alone, as here
   * (swap-ladder.test.ts holds both equal). The amounts skipped cannot revert: they are taken
   * between the same prices the rung's full step already took them over, or closer.
   */
  private partialOut(r: number, rest: bigint): bigint | undefined {
    const fee = BigInt(this.pool.fee);
    const current = this.sqrtPrice[r]!;
    const liquidity = this.liquidity[r]!;
    const next = getNextSqrtPriceFromInput(current, liquidity, mulDiv(rest, PIPS - fee, PIPS), this.zeroForOne);
    if (next === this.sqrtPrice[r + 1]) return undefined;
    return this.zeroForOne ? getAmount1Delta(next, current, liquidity, false) : getAmount0Delta(current, next, liquidity, false);
  }

  /** Last rung whose summed input is ≤ amountIn, the ladder extended past it (or to its end). */
  private rungAtInput(amountIn: bigint): number {
    while (this.input[this.input.length - 1]! <= amountIn && this.extend());
    return lastAtOrBelow(this.input, amountIn);
  }

  private rungAtOutput(amountOut: bigint): number {
    while (this.output[this.output.length - 1]! <= amountOut && this.extend());
    return lastAtOrBelow(this.output, amountOut);
  }

  private limitRung(r: number): boolean {
    const limit = this.zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
    return this.sqrtPrice[r] === limit;
  }

  /** Adds the next rung; false when there is none. */
  private extend(): boolean {
    if (this.ended) return false;
    const r = this.input.length - 1;
    let step: FullStep;
    try {
      step = this.steps.step(this.pool, this.zeroForOne, this.sqrtPrice[r]!, this.tick[r]!, this.liquidity[r]!, r > 0);
    } catch (error) {
      if (!(error instanceof AmmError)) throw error;
      this.ended = true;
      return false;
    }
    this.input.push(this.input[r]! + step.input);
    this.output.push(this.output[r]! + step.output);
    this.sqrtPrice.push(step.sqrtPriceX96);
    this.tick.push(step.tickAfter);
    this.liquidity.push(step.liquidityAfter);
    this.boundary.push(step.boundary);
    if (step.atLimit) this.ended = true;
    return true;
  }

  /** The swap loop from rung r's state with `amount` (exact input > 0, exact output < 0). */
  private resume(r: number, amount: bigint): V3SwapResult | undefined {
    const { pool } = this;
    const state: Readonly<V3SwapPool> = r === 0 ? pool : { ...pool, sqrtPriceX96: this.sqrtPrice[r]!, tick: this.tick[r]!, liquidity: this.liquidity[r]! };
    try {
      return swap(state, this.zeroForOne, amount);
    } catch (error) {
      if (error instanceof AmmError) return undefined;
      throw error;
    }
  }
}

/** Index of the last element ≤ value in a non-decreasing array whose first element is ≤ value. */
function lastAtOrBelow(values: readonly bigint[], value: bigint): number {
  let lo = 0;
  let hi = values.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= value) lo = mid;
    else hi = mid;
  }
  return lo;
}
