import { firstIndexAbove, lastIndexAtOrBelow, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from '../amm/uniswap-v3/tick-math.ts';
import { KIND_V2 } from './pool-table.ts';
import type { Route } from './route.ts';
import type { StampedV3States } from './v3-states.ts';

const Q96F = 2 ** 96;
/** ln √1.0001, from log1p: 1.0001 itself is not a double, and ln of its nearest one is 1e-12 off. */
const LN_SQRT_TICK = Math.log1p(1e-4) / 2;
/** The swap loop's default price limits (as far as a pool goes), as real sqrt prices. */
const LOWEST_SQRT = Number(MIN_SQRT_RATIO + 1n) / Q96F;
const HIGHEST_SQRT = Number(MAX_SQRT_RATIO - 1n) / Q96F;
const MAX_HOPS = 4;
/** Relative float error allowed for each term of a range boundary's hop input (see `crossingError`). */
const BOUNDARY_ERROR = 1e-12;

/**
 * The liquidities a swap from one pool state meets in one direction: `exact[k]` after k crossings
 * (as the swap loop tracks it: ± liquidityNet at each initialized tick crossed), `float[k]` its
 * float. Built as far as walks go and kept for the state (its tick, liquidity and tick map): the
 * sizings of one block cross the same ranges of a pool again and again (arbitrum: ~70 crossings a
 * sizing), and each crossing was a bigint sum and its conversion.
 */
interface MetLiquidity {
  /** The pool's `shapeStamp` (V3States: its tick, liquidity and tick map) they were taken at. */
  shape: number;
  exact: bigint[];
  float: number[];
  /** Index in the tick map of the first initialized tick the swap meets (a binary search per walk before). */
  first: number;
  /**
   * Where a walk starts on the pool at its `stateStamp` `startStamp` (-1: not yet): the sqrt price,
   * ln of the rate at zero input, and the first range's end, whether it is the price limit, the
   * hop input to reach it and that input's error (START_*). A walk's set-up per V3 hop (a bigint
   * converted, a log, an exp) was most of a coarse walk; these are the same floats, computed once
   * per pool state and direction.
   */
  startStamp: number;
  start: Float64Array;
}

const START_SQRT_PRICE = 0;
const START_LN_RATE = 1;
const START_BOUNDARY = 2;
const START_AT_LIMIT = 3;
const START_TO_BOUNDARY = 4;
const START_BOUNDARY_ERROR = 5;

/** One region of the walk: every hop inside one liquidity range. */
export interface Region {
  /** Route input at the region's start. */
  x: number;
  /** Real profit (output − k·input) at the start. */
  profit: number;
  /** B/C of the composed pool from the start: the output from there is R·t/(1 + t/β). */
  beta: number;
  /** R/k − 1: the slope of the profit at the start, relative to k (−1 when the route is flat). */
  excess: number;
  /** ln(R/k) (the excess without cancellation). */
  lnExcess: number;
  /** Route input from the start to the first range boundary some hop reaches (Infinity: none). */
  length: number;
  /** The hop whose boundary ends the region (-1: none). */
  hop: number;
  /** The initialized tick at that boundary (NaN when it is the hop's price limit). */
  tick: number;
}

/**
 * The route's real-valued output as a chain of regions, walked from zero input upwards, in
 * floats (it locates ranges; every amount is then evaluated exactly).
 *
 * Within one liquidity range a V3 hop is exactly a constant-product pool on its virtual reserves
 * (L/s and L·s at the current sqrt price s); a V2 hop always is one. So while no hop leaves its
 * range, the route composes into one virtual pool: from route input x on, the output is
 * R·t/(1 + t/β) for a further input t (R the product of the hops' marginal rates at x, β from
 * the reserves, the same composition as `composeV2`). `compose` builds that pool and the input
 * at which the first hop reaches the end of its range; `advance` moves every hop to that point
 * and the boundary hop into its next range (crossing the tick: liquidity ± liquidityNet, as the
 * swap loop does). A range with no liquidity is crossed at once (the real price jumps it); a hop
 * at the last range of its direction, or at the price limit, stops paying: the route is flat.
 *
 * The profit is tracked as increments k·t·(e·β − t)/(β + t), e = R/k − 1 taken from a sum of
 * logarithms, so neither it nor the optimum β·(√(R/k) − 1) suffers cancellation.
 */
export class PiecewiseWalk {
  hops = 0;
  /** Route input and real profit at the current position. */
  x = 0;
  profit = 0;
  /** 1 + flash fee: the cost of a unit of input. */
  k = 1;
  private lnK = 0;
  private readonly v2 = new Uint8Array(MAX_HOPS);
  private readonly zeroForOne = new Uint8Array(MAX_HOPS);
  private readonly gamma = new Float64Array(MAX_HOPS);
  private readonly lnGamma = new Float64Array(MAX_HOPS);
  /** V2 hop: current reserves in / out (they move as the walk feeds the hop). */
  private readonly reserveIn = new Float64Array(MAX_HOPS);
  private readonly reserveOut = new Float64Array(MAX_HOPS);
  /** V3 hop: current sqrt price (real), liquidity (exact, as the swap loop tracks it), next tick index. */
  private readonly sqrtPrice = new Float64Array(MAX_HOPS);
  private readonly liquidity: bigint[] = [0n, 0n, 0n, 0n];
  private readonly liquidityF = new Float64Array(MAX_HOPS);
  /** V3 hop: the liquidities its pool state meets, and how many ticks the walk crossed on it. */
  private readonly met: (MetLiquidity | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly crossings = new Int32Array(MAX_HOPS);
  /** MetLiquidity by pool and direction (2·pool + zeroForOne), for the state it was taken at. */
  private readonly kept: (MetLiquidity | undefined)[] = [];
  private readonly next = new Int32Array(MAX_HOPS);
  /** V3 hop: the last initialized tick it crossed (NaN: none yet). */
  private readonly crossed = new Float64Array(MAX_HOPS);
  private readonly state: (Readonly<V3SwapPool> | undefined)[] = [undefined, undefined, undefined, undefined];
  /** V3 hop: sqrt price at the end of its range, whether that end is the price limit, and the hop input to reach it. */
  private readonly boundary = new Float64Array(MAX_HOPS);
  private readonly atLimit = new Uint8Array(MAX_HOPS);
  private readonly toBoundary = new Float64Array(MAX_HOPS);
  /** The composed pool upstream of each hop: its input is R·t/(1 + t·invBeta) for a route input t. */
  private readonly upRate = new Float64Array(MAX_HOPS + 1);
  private readonly upInvBeta = new Float64Array(MAX_HOPS + 1);
  /** Set when some hop can pay nothing more: the route's output is flat from here. */
  private flat = false;
  /** Per hop: ln of its marginal rate net of fee at zero input (its rate anywhere on the walk is at most that). */
  private readonly lnRateAtZero = new Float64Array(MAX_HOPS);
  /** V3 hop: absolute float error of `toBoundary` for its current range, and summed over the ranges it crossed (hop input units). */
  private readonly boundaryError = new Float64Array(MAX_HOPS);
  private readonly crossedError = new Float64Array(MAX_HOPS);

  /** Starts a walk over the loaded route at zero input, with flash fee `flashFeePips`. */
  load(route: Route, v3: StampedV3States | undefined, flashFeePips: number): void {
    this.hops = route.hops;
    this.x = 0;
    this.profit = 0;
    this.k = 1 + flashFeePips / 1e6;
    this.lnK = Math.log1p(flashFeePips / 1e6);
    this.flat = false;
    for (let h = 0; h < route.hops; h++) {
      const zeroForOne = route.zeroForOne[h] === 1;
      this.zeroForOne[h] = zeroForOne ? 1 : 0;
      this.gamma[h] = (1e6 - route.fee[h]!) / 1e6;
      this.lnGamma[h] = Math.log1p(-route.fee[h]! / 1e6);
      this.crossedError[h] = 0;
      if (route.kind[h] === KIND_V2) {
        this.v2[h] = 1;
        this.state[h] = undefined;
        this.reserveIn[h] = Number(route.reserveIn[h]!);
        this.reserveOut[h] = Number(route.reserveOut[h]!);
        if (!(this.reserveIn[h]! > 0 && this.reserveOut[h]! > 0)) this.flat = true;
        this.lnRateAtZero[h] = this.lnGamma[h]! + Math.log(this.reserveOut[h]!) - Math.log(this.reserveIn[h]!);
        continue;
      }
      if (v3 === undefined) throw new Error('a V3 hop needs the V3 pool states');
      const pool = route.pool[h]!;
      const state = v3.get(pool);
      this.v2[h] = 0;
      this.state[h] = state;
      const met = this.metBy(pool, zeroForOne, state, v3.shapeStamp(pool));
      this.met[h] = met;
      this.crossings[h] = 0;
      this.liquidity[h] = met.exact[0]!;
      this.liquidityF[h] = met.float[0]!;
      this.crossed[h] = NaN;
      this.next[h] = met.first;
      const stamp = v3.stateStamp(pool);
      const start = met.start;
      if (met.startStamp !== stamp) {
        this.sqrtPrice[h] = Number(state.sqrtPriceX96) / Q96F;
        this.lnRateAtZero[h] = this.lnGamma[h]! + (zeroForOne ? 2 : -2) * Math.log(this.sqrtPrice[h]!);
        this.findBoundary(h);
        met.startStamp = stamp;
        start[START_SQRT_PRICE] = this.sqrtPrice[h]!;
        start[START_LN_RATE] = this.lnRateAtZero[h]!;
        start[START_BOUNDARY] = this.boundary[h]!;
        start[START_AT_LIMIT] = this.atLimit[h]!;
        start[START_TO_BOUNDARY] = this.toBoundary[h]!;
        start[START_BOUNDARY_ERROR] = this.boundaryError[h]!;
      } else {
        this.sqrtPrice[h] = start[START_SQRT_PRICE]!;
        this.lnRateAtZero[h] = start[START_LN_RATE]!;
        this.boundary[h] = start[START_BOUNDARY]!;
        this.atLimit[h] = start[START_AT_LIMIT]!;
        this.toBoundary[h] = start[START_TO_BOUNDARY]!;
        this.boundaryError[h] = start[START_BOUNDARY_ERROR]!;
      }
    }
  }

  /**
   * The region starting at the current position: the composed pool and its length. Crosses the
   * empty ranges first. Returns false when the walk cannot be trusted (floats out of range).
   */
  compose(region: Region): boolean {
    region.x = this.x;
    region.profit = this.profit;
    region.hop = -1;
    region.tick = NaN;
    region.length = Infinity;
    for (let h = 0; h < this.hops && !this.flat; h++) if (this.v2[h] === 0) this.settle(h);
    if (this.flat) {
      region.beta = 1;
      region.excess = -1;
      region.lnExcess = -Infinity;
      return true;
    }
    let rate = 1;
    let invBeta = 0;
    let lnRate = -this.lnK;
    for (let h = 0; h < this.hops; h++) {
      this.upRate[h] = rate;
      this.upInvBeta[h] = invBeta;
      const gamma = this.gamma[h]!;
      let reserveIn: number;
      let lnPrice: number;
      if (this.v2[h] === 1) {
        reserveIn = this.reserveIn[h]!;
        lnPrice = Math.log(this.reserveOut[h]!) - Math.log(reserveIn);
      } else {
        const s = this.sqrtPrice[h]!;
        const zeroForOne = this.zeroForOne[h] === 1;
        reserveIn = zeroForOne ? this.liquidityF[h]! / s : this.liquidityF[h]! * s;
        lnPrice = (zeroForOne ? 2 : -2) * Math.log(s);
        // Route input at which this hop's input reaches its range end.
        const need = this.toBoundary[h]!;
        const denominator = rate - need * invBeta;
        const t = denominator > 0 ? need / denominator : Infinity;
        if (t < region.length) {
          region.length = t;
          region.hop = h;
          region.tick = this.atLimit[h] === 1 ? NaN : this.state[h]!.ticks[this.next[h]!]!;
        }
      }
      invBeta += (rate * gamma) / reserveIn;
      rate *= gamma * Math.exp(lnPrice);
      lnRate += this.lnGamma[h]! + lnPrice;
    }
    this.upRate[this.hops] = rate;
    this.upInvBeta[this.hops] = invBeta;
    region.beta = 1 / invBeta;
    region.lnExcess = lnRate;
    region.excess = Math.expm1(lnRate);
    return Number.isFinite(region.beta) && region.beta > 0 && Number.isFinite(lnRate) && Number.isFinite(rate);
  }

  /** Each hop's output rate in route input at input t into the last composed region (into `rates`). */
  hopRates(t: number, rates: Float64Array): void {
    for (let h = 0; h < this.hops; h++) {
      const grow = 1 + t * this.upInvBeta[h + 1]!;
      rates[h] = this.flat ? 0 : this.upRate[h + 1]! / (grow * grow);
    }
  }

  /** The last initialized tick V3 hop h crossed on the way here (NaN: none, or a V2 hop). */
  lastCrossed(h: number): number {
    return this.v2[h] === 1 ? NaN : this.crossed[h]!;
  }

  /** Real profit gained over a further input t within `region`. */
  gain(region: Region, t: number): number {
    if (region.excess === -1) return -this.k * t;
    return (this.k * t * (region.excess * region.beta - t)) / (region.beta + t);
  }

  /** Moves every hop by route input t (≤ region.length) and, at the region's end, its boundary hop into the next range. */
  advance(region: Region, t: number): void {
    if (!this.flat) {
      for (let h = 0; h < this.hops; h++) {
        const input = (this.upRate[h]! * t) / (1 + t * this.upInvBeta[h]!);
        const net = this.gamma[h]! * input;
        if (this.v2[h] === 1) {
          const reserveIn = this.reserveIn[h]!;
          this.reserveIn[h] = reserveIn + net;
          this.reserveOut[h] = (this.reserveOut[h]! * reserveIn) / (reserveIn + net);
        } else if (h === region.hop && t === region.length) {
          this.cross(h);
        } else {
          const s = this.sqrtPrice[h]!;
          const l = this.liquidityF[h]!;
          this.sqrtPrice[h] = this.zeroForOne[h] === 1 ? (s * l) / (l + net * s) : s + net / l;
          this.toBoundary[h] = this.toBoundary[h]! - input;
        }
      }
    }
    this.profit += this.gain(region, t);
    this.x += t;
  }

  /** Crosses the empty ranges of V3 hop h, and those it already reached (float round-off). */
  private settle(h: number): void {
    while (this.liquidity[h]! === 0n || this.toBoundary[h]! <= 0) {
      if (this.liquidity[h]! < 0n || this.atLimit[h] === 1) {
        this.flat = true;
        return;
      }
      this.cross(h);
      if (this.flat) return;
    }
  }

  /**
   * An upper bound of how far the real profit at the walk's position may sit from the walk's own
   * figure because of where it placed the range boundaries it crossed. A boundary's hop input
   * L·(1/end − 1/s) (or L·(end − s)) is a difference of nearly equal floats when the price sits
   * close to the tick: its error is relative to the hop's virtual reserve L/s (or L·s), not to
   * the input, and far above the ~1e-15 relative the walk's slack allows for (a price a few
   * hundred wei of input short of its tick on a 1e18-liquidity range put a kink ~1e-9 off, and
   * the walk bound 573 wei under the exact profit). An error δ in hop h's input moves the route's
   * output by at most δ times the product of the rates from hop h on (each at most its rate at
   * zero input), and the profit by no more.
   */
  crossingError(): number {
    let error = 0;
    for (let h = 0; h < this.hops; h++) {
      if (this.crossedError[h] === 0) continue;
      let lnRate = 0;
      for (let j = h; j < this.hops; j++) lnRate += this.lnRateAtZero[j]!;
      error += this.crossedError[h]! * Math.exp(lnRate);
    }
    return error;
  }

  /** Moves V3 hop h to the end of its range and into the next one. */
  private cross(h: number): void {
    this.crossedError[h] = this.crossedError[h]! + this.boundaryError[h]!;
    this.sqrtPrice[h] = this.boundary[h]!;
    if (this.atLimit[h] === 1) {
      this.flat = true;
      return;
    }
    const state = this.state[h]!;
    this.crossed[h] = state.ticks[this.next[h]!]!;
    const zeroForOne = this.zeroForOne[h] === 1;
    const met = this.met[h]!;
    const k = ++this.crossings[h]!;
    if (k === met.exact.length) {
      // Moving down (zeroForOne), liquidityNet applies with the opposite sign.
      const net = state.liquidityNet[this.next[h]!]!;
      const liquidity = met.exact[k - 1]! + (zeroForOne ? -net : net);
      met.exact.push(liquidity);
      met.float.push(Number(liquidity));
    }
    this.liquidity[h] = met.exact[k]!;
    this.liquidityF[h] = met.float[k]!;
    this.next[h] = this.next[h]! + (zeroForOne ? -1 : 1);
    if (this.liquidity[h]! < 0n) {
      // An inconsistent tick map: the swap loop would revert here, so nothing more is paid.
      this.flat = true;
      return;
    }
    this.findBoundary(h);
  }

  /** The liquidities pool `pool`'s state meets swapped this way, kept while the state keeps its tick, liquidity and tick map (`shape`, its shapeStamp). */
  private metBy(pool: number, zeroForOne: boolean, state: Readonly<V3SwapPool>, shape: number): MetLiquidity {
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    let met = key < this.kept.length ? this.kept[key] : undefined;
    if (met === undefined || met.shape !== shape) {
      const first = zeroForOne ? lastIndexAtOrBelow(state.ticks, state.tick) : firstIndexAbove(state.ticks, state.tick);
      met = { shape, exact: [state.liquidity], float: [Number(state.liquidity)], first, startStamp: -1, start: new Float64Array(6) };
      // Grown with explicit holes filled, so the array stays packed.
      while (this.kept.length <= key) this.kept.push(undefined);
      this.kept[key] = met;
    }
    return met;
  }

  /** End of V3 hop h's current range (the next initialized tick, or the price limit) and the input to reach it. */
  private findBoundary(h: number): void {
    const state = this.state[h]!;
    const i = this.next[h]!;
    const zeroForOne = this.zeroForOne[h] === 1;
    const limit = zeroForOne ? LOWEST_SQRT : HIGHEST_SQRT;
    let end = limit;
    if (i >= 0 && i < state.ticks.length) end = Math.exp(state.ticks[i]! * LN_SQRT_TICK);
    const beyond = zeroForOne ? end <= limit : end >= limit;
    this.atLimit[h] = beyond || i < 0 || i >= state.ticks.length ? 1 : 0;
    if (beyond) end = limit;
    this.boundary[h] = end;
    const s = this.sqrtPrice[h]!;
    const l = this.liquidityF[h]!;
    const netIn = zeroForOne ? l * (1 / end - 1 / s) : l * (end - s);
    this.toBoundary[h] = netIn / this.gamma[h]!;
    // Each term carries its float error (the price s after up to MAX_REGIONS float steps, the tick
    // price from exp): 1e-12 of the larger one is far above both.
    this.boundaryError[h] = (BOUNDARY_ERROR * l * (zeroForOne ? 1 / end + 1 / s : end + s)) / this.gamma[h]!;
  }
}
