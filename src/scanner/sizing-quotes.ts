import { getAmountIn } from '../amm/uniswap-v2.ts';
import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { FullSteps, SwapLadder } from '../amm/uniswap-v3/swap-ladder.ts';
import { KIND_V2 } from './pool-table.ts';
import { leastInputBackwards, type Route } from './route.ts';
import type { ExactRoute } from './sizing.ts';
import type { V3States } from './v3-states.ts';

/** A pool's ladder in one direction and the state it was built from: valid while the pool is still in it. */
interface KeptLadder {
  from: { sqrtPriceX96: bigint; tick: number; liquidity: bigint; ticks: Int32Array; liquidityNet: readonly bigint[] };
  ladder: SwapLadder;
}

/** Whether `state` is still the one `kept` was taken from (V3Pools changes price and liquidity in place, tick maps by replacing them). */
function unchanged({ from }: KeptLadder, state: Readonly<V3SwapPool>): boolean {
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
 * - a V3 quote reads the pool's `SwapLadder` (src/amm/uniswap-v3/swap-ladder.ts): the swap
 *   loop's state at every boundary (initialized tick or bitmap word edge) a quote has reached,
 *   with the input taken and output paid up to there. Any input at least that large runs the
 *   same full steps up to that boundary, so its quote is the rung's plus one step of the loop
 *   from the rung's state: the same numbers as one run, without repeating the crossings. A
 *   ladder depends on the pool's state alone, so it is kept across sizings (other cycles through
 *   the pool) until the pool changes; its full steps (each fixed by its boundaries and
 *   liquidity) are kept for the pool's tick map, so a Swap keeps every step past its range.
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
  /** Ladders by pool and direction (2·pool + zeroForOne), for the pool's current state. */
  private readonly kept = new Map<number, KeptLadder>();
  /** Full steps by pool and direction, for the pool's current tick map. */
  private readonly steps = new Map<number, FullSteps>();

  constructor(private readonly v3: V3States | undefined) {}

  /** Starts caching `route` as it is now loaded (forgetting every earlier quote). */
  reset(route: Route): void {
    this.route = route;
    for (const quotes of this.quotes) quotes.clear();
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
   * The exact input that takes hop h to initialized tick `tick`'s price (the swap loop then
   * crosses it); for NaN, to its price limit. Undefined when the hop cannot reach it.
   */
  checkpoint(h: number, tick: number): bigint | undefined {
    const route = this.loaded();
    if (route.kind[h] === KIND_V2 || this.v3 === undefined) return undefined;
    return this.ladder(h).inputTo(tick);
  }

  /** Rungs built so far by the ladders this route uses (tests check they are exercised). */
  rungs(): number {
    let n = 0;
    for (const kept of this.kept.values()) n += kept.ladder.rungs - 1;
    return n;
  }

  /** Hop h's ladder for its pool's current state (kept while the pool does not change). */
  private ladder(h: number): SwapLadder {
    const route = this.loaded();
    const pool = route.pool[h]!;
    const zeroForOne = route.zeroForOne[h] === 1;
    const state = this.v3!.get(pool);
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    const kept = this.kept.get(key);
    if (kept !== undefined && unchanged(kept, state)) return kept.ladder;
    let steps = this.steps.get(key);
    if (steps === undefined || steps.ticks !== state.ticks || steps.liquidityNet !== state.liquidityNet) {
      steps = new FullSteps(state.ticks, state.liquidityNet);
      this.steps.set(key, steps);
    }
    const { sqrtPriceX96, liquidity, ticks, liquidityNet } = state;
    const ladder = new SwapLadder(state, zeroForOne, steps);
    this.kept.set(key, { from: { sqrtPriceX96, tick: state.tick, liquidity, ticks, liquidityNet }, ladder });
    return ladder;
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
    const exactOut = this.ladder(h).exactOut(amountOut);
    if (exactOut === undefined || exactOut.output < amountOut) return -1n;
    return this.leastSufficient(h, amountOut, exactOut.input < 1n ? 1n : exactOut.input);
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

  /** Exact output of hop h for `amountIn` > 0: the route's quote, or for V3 the swap loop's, read from the pool's ladder. */
  private quote(h: number, amountIn: bigint): bigint {
    const route = this.loaded();
    if (route.kind[h] === KIND_V2 || this.v3 === undefined) return route.hopOut(h, amountIn);
    // A revert is quoted 0, as V3Pools.exactIn does.
    return this.ladder(h).exactIn(amountIn) ?? 0n;
  }

  private loaded(): Route {
    if (this.route === undefined) throw new Error('CachedRoute used before reset(route)');
    return this.route;
  }
}

