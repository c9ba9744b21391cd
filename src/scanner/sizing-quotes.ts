import { AmmError } from '../amm/errors.ts';
import { getAmountIn } from '../amm/uniswap-v2.ts';
import { firstIndexAbove, lastIndexAtOrBelow, swap, type V3SwapPool, type V3SwapResult } from '../amm/uniswap-v3/pool.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { KIND_V2 } from './pool-table.ts';
import { leastInputBackwards, type Route } from './route.ts';
import type { ExactRoute } from './sizing.ts';
import type { V3States } from './v3-states.ts';

/** A V3 quote crossing at least this many initialized ticks leaves a checkpoint behind. */
const CHECKPOINT_CROSSINGS = 2;
/** Far more than any pool holds: a swap of it stops only at its price limit. */
const UNBOUNDED = 1n << 200n;

/** The swap loop's state at an initialized tick it crossed, and what it took and paid to get there. */
interface Checkpoint {
  input: bigint;
  output: bigint;
  state: V3SwapPool;
}

/** A pool's checkpoints (one direction) by tick, with the pool state they were taken from: valid while the pool is still in it. */
interface KeptCheckpoints {
  from: { sqrtPriceX96: bigint; tick: number; liquidity: bigint; ticks: Int32Array; liquidityNet: readonly bigint[] };
  byTick: Map<number, Checkpoint>;
}

/** Whether `state` is still the one `kept` was taken from (V3Pools changes price and liquidity in place, tick maps by replacing them). */
function unchanged({ from }: KeptCheckpoints, state: Readonly<V3SwapPool>): boolean {
  return from.sqrtPriceX96 === state.sqrtPriceX96 && from.tick === state.tick && from.liquidity === state.liquidity && from.ticks === state.ticks && from.liquidityNet === state.liquidityNet;
}

/**
 * A loaded route whose exact hop quotes are remembered for one sizing. A V3 quote is a run of
 * the swap loop (tens of µs, more per tick crossed), and the refinement asks for nearby inputs
 * again and again:
 *
 * - behind a hop whose output is coarse (a 6-decimal token after an 18-decimal one), the eleven
 *   inputs of a ±5 neighbourhood all hand the next hop the same amount: quotes are remembered
 *   per hop and input;
 * - each hop's output is monotone in its input, so `outs` quotes the ends of a run of inputs and
 *   fills whatever lies between two equal outputs without quoting it;
 * - a V3 quote that crosses initialized ticks leaves a checkpoint: the swap loop's state (price,
 *   tick, liquidity) at the last tick it crossed, with the input taken and output paid up to
 *   there. Any input at least that large runs the same full steps up to that tick (each step to
 *   a tick takes an amount fixed by the tick, whatever remains after it), so its quote is the
 *   checkpoint's plus the swap loop's own quote of the rest from that state: the same numbers
 *   as one run, without repeating the crossings. Checkpoints depend on the pool's state alone,
 *   so they are kept across sizings (other cycles through the pool) until the pool changes.
 *
 * `minIn` (least input for an output) settles on the least input whose quote suffices, by
 * those same quotes: starting from the input an exact-output swap charges, it gallops and
 * bisects to the boundary, usually in two or three quotes.
 *
 * Every value is still the exact swap loop's (sizing-quotes.test holds them equal to the
 * scanner's own quotes); only the work is shared.
 */
export class CachedRoute implements ExactRoute {
  private route: Route | undefined;
  private readonly quotes: Map<bigint, bigint>[] = [new Map(), new Map(), new Map(), new Map()];
  private readonly checkpoints: (Checkpoint | undefined)[] = [undefined, undefined, undefined, undefined];
  /** Checkpoints by pool and direction (2·pool + zeroForOne), then tick. */
  private readonly kept = new Map<number, KeptCheckpoints>();

  constructor(private readonly v3: V3States | undefined) {}

  /** Starts caching `route` as it is now loaded (forgetting every earlier quote). */
  reset(route: Route): void {
    this.route = route;
    for (const quotes of this.quotes) quotes.clear();
    this.checkpoints.fill(undefined);
  }

  get hops(): number {
    return this.loaded().hops;
  }

  out(amountIn: bigint): bigint {
    let amount = amountIn;
    for (let h = 0; h < this.hops; h++) amount = this.hopOut(h, amount);
    return amount;
  }

  amounts(amountIn: bigint): bigint[] {
    const result = [amountIn];
    for (let h = 0; h < this.hops; h++) result.push(this.hopOut(h, result[h]!));
    return result;
  }

  minIn(amountOut: bigint, lastHop = this.hops - 1): bigint {
    return leastInputBackwards(amountOut, lastHop, (h, need) => this.hopMinIn(h, need));
  }

  /**
   * Sets hop h's checkpoint at initialized tick `tick` (one run of the swap loop up to its price)
   * and returns the exact input that takes the hop there; for NaN, the input that takes it to
   * its price limit (no checkpoint: nothing is quoted past the limit). Undefined when the hop
   * cannot reach it.
   */
  checkpoint(h: number, tick: number): bigint | undefined {
    const route = this.loaded();
    if (route.kind[h] === KIND_V2 || this.v3 === undefined) return undefined;
    const zeroForOne = route.zeroForOne[h] === 1;
    const state = this.v3.get(route.pool[h]!);
    if (Number.isNaN(tick)) {
      const whole = trySwap(state, zeroForOne, UNBOUNDED);
      return whole === undefined ? undefined : zeroForOne ? whole.amount0 : whole.amount1;
    }
    const checkpoint = this.checkpointAt(route.pool[h]!, state, zeroForOne, tick, UNBOUNDED);
    if (checkpoint !== undefined) this.checkpoints[h] = checkpoint;
    return checkpoint?.input;
  }

  /** The checkpoint at `tick` of a pool (kept one if the pool has not changed since), where a swap of `amountIn` reaches it. */
  private checkpointAt(pool: number, state: Readonly<V3SwapPool>, zeroForOne: boolean, tick: number, amountIn: bigint): Checkpoint | undefined {
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    let kept = this.kept.get(key);
    if (kept === undefined || !unchanged(kept, state)) {
      // First use, or the pool moved since: what was kept for it is stale.
      const { sqrtPriceX96, liquidity, ticks, liquidityNet } = state;
      kept = { from: { sqrtPriceX96, tick: state.tick, liquidity, ticks, liquidityNet }, byTick: new Map() };
      this.kept.set(key, kept);
    }
    const known = kept.byTick.get(tick);
    if (known !== undefined) return known.input <= amountIn ? known : undefined;
    const checkpoint = checkpointAt(state, zeroForOne, tick, amountIn);
    if (checkpoint !== undefined) kept.byTick.set(tick, checkpoint);
    return checkpoint;
  }

  outs(lo: bigint, hi: bigint): bigint[] {
    const count = Number(hi - lo) + 1;
    let values = Array.from({ length: count }, (_, i) => lo + BigInt(i));
    for (let h = 0; h < this.hops; h++) {
      const inputs = values;
      values = new Array<bigint>(count);
      values[0] = this.hopOut(h, inputs[0]!);
      values[count - 1] = this.hopOut(h, inputs[count - 1]!);
      this.fill(h, inputs, values, 0, count - 1);
    }
    return values;
  }

  /** Outputs of hop h strictly between i and j (both known), for non-decreasing inputs. */
  private fill(h: number, inputs: readonly bigint[], outputs: bigint[], i: number, j: number): void {
    if (j - i <= 1) return;
    if (outputs[i] === outputs[j]) {
      for (let m = i + 1; m < j; m++) outputs[m] = outputs[i]!;
      return;
    }
    const m = (i + j) >> 1;
    outputs[m] = this.hopOut(h, inputs[m]!);
    this.fill(h, inputs, outputs, i, m);
    this.fill(h, inputs, outputs, m, j);
  }

  private hopOut(h: number, amountIn: bigint): bigint {
    if (amountIn <= 0n) return 0n;
    const quotes = this.quotes[h]!;
    let out = quotes.get(amountIn);
    if (out === undefined) {
      out = this.quote(h, amountIn);
      quotes.set(amountIn, out);
    }
    return out;
  }

  /** Least input of hop h whose output is >= `amountOut` (> 0), or -1n when none is. */
  private hopMinIn(h: number, amountOut: bigint): bigint {
    const route = this.loaded();
    if (route.kind[h] === KIND_V2 || this.v3 === undefined) {
      // The library's exact-output input (floor + 1: at most one wei over the least), settled below.
      if (amountOut >= route.reserveOut[h]! || route.reserveIn[h]! <= 0n) return -1n;
      return this.leastSufficient(h, amountOut, getAmountIn(amountOut, route.reserveIn[h]!, route.reserveOut[h]!, route.fee[h]!));
    }
    // The input an exact-output swap charges for the amount: at or near the least sufficient one.
    const zeroForOne = route.zeroForOne[h] === 1;
    const checkpoint = this.checkpoints[h];
    const resume = checkpoint !== undefined && amountOut > checkpoint.output;
    const exactOut = resume
      ? trySwap(checkpoint.state, zeroForOne, checkpoint.output - amountOut)
      : trySwap(this.v3.get(route.pool[h]!), zeroForOne, -amountOut);
    if (exactOut === undefined) return -1n;
    if (paid(exactOut, zeroForOne) + (resume ? checkpoint.output : 0n) < amountOut) return -1n;
    const guess = (zeroForOne ? exactOut.amount0 : exactOut.amount1) + (resume ? checkpoint.input : 0n);
    return this.leastSufficient(h, amountOut, guess < 1n ? 1n : guess);
  }

  /** Least input of hop h quoting >= `amountOut`, searched from `guess` (monotone quotes). */
  private leastSufficient(h: number, amountOut: bigint, guess: bigint): bigint {
    let low: bigint; // quotes less (or is 0)
    let high: bigint; // quotes enough
    if (this.hopOut(h, guess) >= amountOut) {
      high = guess;
      let step = 1n;
      for (;;) {
        if (high - step < 1n) {
          low = 0n;
          break;
        }
        if (this.hopOut(h, high - step) < amountOut) {
          low = high - step;
          break;
        }
        high -= step;
        step *= 2n;
      }
    } else {
      low = guess;
      let step = 1n;
      for (;;) {
        // Beyond what any pool could take (uint112 reserves, int256 amounts): nothing suffices.
        if (step > 1n << 200n) return -1n;
        if (this.hopOut(h, low + step) >= amountOut) {
          high = low + step;
          break;
        }
        low += step;
        step *= 2n;
      }
    }
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if (this.hopOut(h, mid) >= amountOut) high = mid;
      else low = mid;
    }
    return high;
  }

  /** Exact output of hop h for `amountIn` > 0: the route's quote, or for V3 the swap loop's, resumed from a checkpoint when one lies below. */
  private quote(h: number, amountIn: bigint): bigint {
    const route = this.loaded();
    if (route.kind[h] === KIND_V2 || this.v3 === undefined) return route.hopOut(h, amountIn);
    const zeroForOne = route.zeroForOne[h] === 1;
    const checkpoint = this.checkpoints[h];
    if (checkpoint !== undefined && amountIn >= checkpoint.input) {
      if (amountIn === checkpoint.input) return checkpoint.output;
      const rest = trySwap(checkpoint.state, zeroForOne, amountIn - checkpoint.input);
      // A revert after the checkpoint is a revert of the whole swap.
      return rest === undefined ? 0n : checkpoint.output + paid(rest, zeroForOne);
    }
    const state = this.v3.get(route.pool[h]!);
    const result = trySwap(state, zeroForOne, amountIn);
    if (result === undefined) return 0n;
    if (result.initializedTicksCrossed >= CHECKPOINT_CROSSINGS) {
      const tick = lastCrossing(state, zeroForOne, result);
      if (tick !== undefined) this.checkpoints[h] = this.checkpointAt(route.pool[h]!, state, zeroForOne, tick, amountIn) ?? checkpoint;
    }
    return paid(result, zeroForOne);
  }

  private loaded(): Route {
    if (this.route === undefined) throw new Error('CachedRoute used before reset(route)');
    return this.route;
  }
}

/** Output of a V3 exact-input swap (partially filled at the price limit: what it paid), as V3Pools.exactIn. */
function paid(result: V3SwapResult, zeroForOne: boolean): bigint {
  return -(zeroForOne ? result.amount1 : result.amount0);
}

/** The swap loop's result, or undefined where the pool reverts (V3Pools.exactIn then quotes 0). */
function trySwap(state: Readonly<V3SwapPool>, zeroForOne: boolean, amount: bigint, sqrtPriceLimitX96?: bigint): V3SwapResult | undefined {
  try {
    return swap(state, zeroForOne, amount, sqrtPriceLimitX96);
  } catch (error) {
    if (error instanceof AmmError) return undefined;
    throw error;
  }
}

/** The last initialized tick a swap from `state` (giving `result`) crossed, or undefined. */
function lastCrossing(state: Readonly<V3SwapPool>, zeroForOne: boolean, result: V3SwapResult): number | undefined {
  const { ticks } = state;
  // Going down, crossing tick T leaves the loop at T - 1: T is the lowest initialized tick above
  // where it ended; going up it leaves it at T, the highest at or below.
  const index = zeroForOne ? firstIndexAbove(ticks, result.tick) : lastIndexAtOrBelow(ticks, result.tick);
  return index < 0 || index >= ticks.length ? undefined : ticks[index]!;
}

/**
 * The checkpoint at initialized tick `tick`, where a swap of `amountIn` from `state` reaches it
 * (else undefined): the same swap stopped at that tick's price (the loop then crosses it and
 * stops), so its state is exactly the loop's at that point.
 */
function checkpointAt(state: Readonly<V3SwapPool>, zeroForOne: boolean, tick: number, amountIn: bigint): Checkpoint | undefined {
  if (zeroForOne ? tick > state.tick : tick <= state.tick) return undefined;
  const limit = getSqrtRatioAtTick(tick);
  if (zeroForOne ? limit >= state.sqrtPriceX96 : limit <= state.sqrtPriceX96) return undefined;
  const upTo = trySwap(state, zeroForOne, amountIn, limit);
  if (upTo === undefined || upTo.sqrtPriceX96 !== limit) return undefined;
  return {
    input: zeroForOne ? upTo.amount0 : upTo.amount1,
    output: paid(upTo, zeroForOne),
    state: { fee: state.fee, tickSpacing: state.tickSpacing, ticks: state.ticks, liquidityNet: state.liquidityNet, sqrtPriceX96: upTo.sqrtPriceX96, tick: upTo.tick, liquidity: upTo.liquidity },
  };
}
