import { FEE_DENOMINATOR, feeFactor, getAmountOutScaled, leastAmountInScaled } from '../amm/uniswap-v2.ts';
import type { CycleSet } from './cycles.ts';
import { KIND_V2, type PoolTable } from './pool-table.ts';
import type { V3Quoter } from './v3-hop.ts';

/**
 * Exact evaluation of one cycle with the AMM engineer's math (never a copy of it): the
 * forward chain of outputs, and its inverse `minIn` (the least input that yields a given
 * output), which is what lets the refinement jump to the left edge of an output plateau in
 * O(hops) instead of walking it wei by wei. One instance is reused for every cycle (`load`),
 * so the sizing loop allocates nothing but bigints.
 */
export class Route {
  hops = 0;
  readonly pool = new Int32Array(4);
  readonly zeroForOne = new Uint8Array(4);
  readonly kind = new Uint8Array(4);
  readonly fee = new Int32Array(4);
  readonly reserveIn: bigint[] = [0n, 0n, 0n, 0n];
  /** Per V2 hop: 1e6 · reserveIn and 1e6 − fee, computed once per load for its quotes (getAmountOutScaled, leastAmountInScaled). */
  private readonly scaledReserveIn: bigint[] = [0n, 0n, 0n, 0n];
  private readonly feeFactor: bigint[] = [0n, 0n, 0n, 0n];
  readonly reserveOut: bigint[] = [0n, 0n, 0n, 0n];
  /** True when every hop is a constant-product pool (closed form applies). */
  allV2 = true;

  constructor(private readonly pools: PoolTable, private readonly cycles: CycleSet, private readonly v3: V3Quoter | undefined) {}

  /** Points the evaluator at cycle `c` with the pools' current state. */
  load(c: number): void {
    const { cycles, pools } = this;
    const hops = cycles.length[c]!;
    this.hops = hops;
    this.allV2 = true;
    for (let h = 0; h < hops; h++) {
      const p = cycles.pools[c * cycles.stride + h]!;
      const z = cycles.zeroForOne[c * cycles.stride + h]!;
      this.pool[h] = p;
      this.zeroForOne[h] = z;
      this.kind[h] = pools.kind[p]!;
      this.fee[h] = pools.fee[p]!;
      if (pools.kind[p] !== KIND_V2) this.allV2 = false;
      this.reserveIn[h] = z ? pools.reserve0[p]! : pools.reserve1[p]!;
      this.reserveOut[h] = z ? pools.reserve1[p]! : pools.reserve0[p]!;
      if (pools.kind[p] === KIND_V2) {
        this.scaledReserveIn[h] = this.reserveIn[h]! * FEE_DENOMINATOR;
        this.feeFactor[h] = feeFactor(pools.fee[p]!);
      }
    }
  }

  /** Output of hop h for `amountIn` > 0. */
  hopOut(h: number, amountIn: bigint): bigint {
    if (this.kind[h] === KIND_V2) {
      return getAmountOutScaled(amountIn, this.scaledReserveIn[h]!, this.reserveOut[h]!, this.feeFactor[h]!);
    }
    return this.requireV3().exactIn(this.pool[h]!, this.zeroForOne[h] === 1, amountIn);
  }

  /** Final output for `amountIn`; 0 when some hop rounds to nothing. */
  out(amountIn: bigint): bigint {
    return this.outFrom(0, amountIn);
  }

  /** Final output when hop `from` is handed `amount` (`amount` itself when `from` is past the last hop); 0 when some hop rounds to nothing. */
  outFrom(from: number, amount: bigint): bigint {
    for (let h = from; h < this.hops; h++) {
      if (amount <= 0n) return 0n;
      amount = this.hopOut(h, amount);
    }
    return amount;
  }

  /**
   * Final outputs for every input lo..hi (1 <= lo <= hi), in order. A constant-product hop's
   * output is monotone in its input, so hop by hop only the ends of a run are quoted and whatever
   * lies between two equal outputs is filled without quoting it: behind a coarse hop (a 6-decimal
   * token after an 18-decimal one) the eleven inputs of the climb's neighbourhood hand the next
   * hops one or two distinct amounts. A V3 hop is quoted at every input. The same exact quotes as
   * `out`, fewer of them.
   */
  outs(lo: bigint, hi: bigint): bigint[] {
    const count = Number(hi - lo) + 1;
    const values = new Array<bigint>(count);
    for (let i = 0; i < count; i++) values[i] = lo + BigInt(i);
    for (let h = 0; h < this.hops; h++) {
      const first = values[0]!;
      const last = values[count - 1]!;
      this.fill(h, values, 0, count - 1, first <= 0n ? 0n : this.hopOut(h, first), last <= 0n ? 0n : this.hopOut(h, last));
    }
    return values;
  }

  /**
   * Replaces values[i..j] (non-decreasing inputs of hop h) by their outputs, given those of both
   * ends: an equal pair fills the run between them; otherwise the middle is quoted and each half
   * filled the same way. Each input is read before it is overwritten.
   */
  private fill(h: number, values: bigint[], i: number, j: number, outI: bigint, outJ: bigint): void {
    // Only a constant-product hop is known monotone everywhere (a V3 pool can run dry inside a run).
    if (outI === outJ && this.kind[h] === KIND_V2) {
      for (let m = i; m <= j; m++) values[m] = outI;
      return;
    }
    if (j - i <= 1) {
      values[i] = outI;
      values[j] = outJ;
      return;
    }
    const m = (i + j) >> 1;
    const input = values[m]!;
    const outM = input <= 0n ? 0n : this.hopOut(h, input);
    this.fill(h, values, i, m, outI, outM);
    this.fill(h, values, m, j, outM, outJ);
  }

  /** Amounts along the route: [amountIn, out of hop 0, …, final output]. */
  amounts(amountIn: bigint): bigint[] {
    const result = [amountIn];
    let amount = amountIn;
    for (let h = 0; h < this.hops; h++) {
      amount = amount <= 0n ? 0n : this.hopOut(h, amount);
      result.push(amount);
    }
    return result;
  }

  /**
   * Least input whose output after hop `lastHop` (default: the last) is >= `amountOut` (> 0),
   * or -1n when no input reaches it.
   * Outputs are monotone in inputs, so the least input of the route is the chain of least
   * inputs hop by hop, backwards.
   */
  minIn(amountOut: bigint, lastHop = this.hops - 1): bigint {
    // leastInputBackwards' loop, without a closure per call (the sizing asks this per output level).
    let need = amountOut;
    for (let h = lastHop; h >= 0; h--) {
      need = this.hopMinIn(h, need);
      if (need < 0n) return -1n;
    }
    return need;
  }

  private hopMinIn(h: number, amountOut: bigint): bigint {
    if (this.kind[h] === KIND_V2) {
      const reserveIn = this.reserveIn[h]!;
      const reserveOut = this.reserveOut[h]!;
      if (amountOut >= reserveOut || reserveIn <= 0n) return -1n;
      return leastAmountInScaled(amountOut, this.scaledReserveIn[h]!, reserveOut, this.feeFactor[h]!);
    }
    return this.requireV3().minIn(this.pool[h]!, this.zeroForOne[h] === 1, amountOut);
  }

  private requireV3(): V3Quoter {
    if (this.v3 === undefined) throw new Error('a V3 hop needs the V3 quoter');
    return this.v3;
  }
}

/**
 * Least input whose output after hop `lastHop` is >= `amountOut`, or -1n when none does, from
 * each hop's least input (-1n: unreachable). Outputs are monotone in inputs, so it is the chain
 * of least inputs hop by hop, backwards.
 */
export function leastInputBackwards(amountOut: bigint, lastHop: number, hopMinIn: (hop: number, amountOut: bigint) => bigint): bigint {
  let need = amountOut;
  for (let h = lastHop; h >= 0; h--) {
    need = hopMinIn(h, need);
    if (need < 0n) return -1n;
  }
  return need;
}
