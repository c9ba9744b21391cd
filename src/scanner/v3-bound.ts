import { lastIndexAtOrBelow } from '../amm/uniswap-v3/pool.ts';
import { MAX_TICK } from '../amm/uniswap-v3/tick-math.ts';
import { ceilDiv } from './bigint-math.ts';
import { DominatingPools } from './float-bound.ts';
import type { CycleSet } from './cycles.ts';
import { KIND_V2, type PoolTable } from './pool-table.ts';
import type { Route } from './route.ts';
import { composeV2, profitUpperBound, type ConstantProductHops } from './sizing.ts';
import type { StampedV3States } from './v3-states.ts';

const Q96 = 1n << 96n;
const Q96F = 2 ** 96;
const LN_TICK = Math.log1p(1e-4);
/** Initialized ticks walked per hop before the whole-direction maximum is taken instead. */
const MAX_WALKED_TICKS = 64;

/**
 * Liquidity of a V3 pool's tick map as prefix sums: with `prefix[j]` the sum of liquidityNet
 * over ticks[0 .. j-1], the liquidity the swap loop holds between ticks[j-1] and ticks[j] (gap
 * j) is `offset + prefix[j]`, the offset being fixed by the pool's current liquidity in its
 * current gap. That is exactly what the loop computes crossing ticks either way (adding
 * liquidityNet going up, subtracting it going down), so the maxima below are over the very
 * liquidities a swap can meet.
 */
interface TickProfile {
  /** The tick map the profile was built from (rebuilt when the pool's map is replaced). */
  ticks: Int32Array;
  prefix: bigint[];
  /** max(prefix[0 .. j]): every gap a zeroForOne swap from gap j can reach. */
  maxBelow: bigint[];
  /** max(prefix[j .. n]): every gap a oneForZero swap from gap j can reach. */
  maxAbove: bigint[];
}

/**
 * What `liquidityWithin` answers for one pool state and direction, for every window at once:
 * crossing distance i (`floats[i]`, i < count) ticks away is the (i+1)-th initialized tick the swap crosses, and
 * `within[i]` the largest liquidity met after i crossings (the last entry, after more than
 * MAX_WALKED_TICKS, the whole direction's maximum).
 */
interface Reach {
  /** The pool's `shapeStamp` (V3States) it was taken at. */
  shape: number;
  within: bigint[];
  /** How many distances there are (`within` holds one more liquidity). */
  count: number;
  /**
   * The distances (count of them), then `within` as floats (count + 1): one array, so a float
   * key's read of a reach touches the reach and one backing store (a distance array and a typed
   * array of liquidities before: most of what a member's key cost in the heaviest V3-heavy blocks).
   */
  floats: Float64Array;
  /** The pool's sqrt price (real) at `stamp`, its `stateStamp` when last read: with `floats`, the float keys' inputs. */
  stamp: number;
  sqrtPrice: number;
}

/** Crossings of a reach within `windowTicks` ticks (their distances only grow): the index of the liquidity after them. */
function crossings(reach: Reach, windowTicks: number): number {
  const { floats, count } = reach;
  let crossed = 0;
  while (crossed < count && floats[crossed]! <= windowTicks) crossed++;
  return crossed;
}

/**
 * An upper bound of the profit of any cycle with V3 hops, so those cycles are ranked and sized
 * lazily like all-V2 ones.
 *
 * Why it holds. Write s = √P for a V3 pool's price. Within a liquidity range, a zeroForOne swap
 * moves 1/s by (net input)/L and pays out L·Δs; the marginal rate is P·(1 − fee) whatever L is.
 * So, from the same start, a pool whose liquidity is L' ≥ L(s) at every price moves its price
 * more slowly per unit of input, stays at a better price at every point, and pays at least as
 * much for every input; a pool with constant liquidity L' is the constant-product pool with
 * virtual reserves L'/s₀ and L'·s₀ (and the same fee). The exact swap loop only rounds against
 * the trader (amountIn and fee up, amountOut down, each step), so its integer output is at most
 * that real output. Composing the hops, each monotone, the route's integer output at any input
 * is at most the composed bound pools' (V2 hops exactly as in `composeV2`), and the profit bound
 * of that virtual pool (`profitUpperBound`) is then at least the exact optimum's profit.
 *
 * Which L' suffices. The route's real output is concave, and at the (real) optimum x* its slope
 * is still ≥ k (flash fee factor ≥ 1). The slope is the product of the hops' marginal rates,
 * each at most its rate at zero input, so at x* every hop's own rate has fallen from its start
 * by at most ρ = Π rates at zero (the screen's exp(sum)): a V3 hop's price has moved at most
 * ln ρ / ln 1.0001 ticks. Only liquidity within that many ticks (two more for rounding) of the
 * current tick, in the swap's direction, can be met on the way to x*; the largest such L' gives
 * a bound pool with at least the real profit at x*, hence at least the real maximum. Past
 * MAX_WALKED_TICKS initialized ticks the whole direction's maximum is taken instead (also valid).
 *
 * The per-pool profiles follow the pools' tick maps (dropped by `refresh` when `setV3State`
 * replaced the map, rebuilt on the next query, which also checks); prices and liquidity are read
 * live.
 */
export class V3LiquidityBound {
  private readonly profiles = new Map<number, TickProfile>();
  /** Reach of each pool and direction (2·pool + zeroForOne), for the state it was taken at (an array: read for every V3 hop of every cycle evaluated). */
  private readonly reaches: (Reach | undefined)[] = [];
  /**
   * Per pool and direction (2·pool + zeroForOne): the float reserves `floatReserves` last gave, the
   * span [lo, hi) of windows they hold for, and the pool's `stateStamp` they were read at (-1:
   * none). Path-group members through a moved pool ask for the same pool again and again, mostly
   * within one span (~3,000 asks in the V3-heavy universe's heaviest blocks): typed arrays answer
   * without touching the pool state or its reach.
   */
  private keptStamp = new Float64Array(0);
  private keptLo = new Float64Array(0);
  private keptHi = new Float64Array(0);
  private keptIn = new Float64Array(0);
  private keptOut = new Float64Array(0);
  /** Scratch of `profitKey`. */
  private readonly composition = new DominatingPools();
  private readonly reserves = new Float64Array(2);
  /** Scratch bound hops, reused for every cycle. */
  private readonly hops = { hops: 0, fee: new Int32Array(4), reserveIn: [0n, 0n, 0n, 0n], reserveOut: [0n, 0n, 0n, 0n] };

  constructor(private readonly states: StampedV3States) {}

  /**
   * Call after every state change of pool `pool`: drops its profile if its tick map was replaced
   * (a Mint or Burn), to be rebuilt when next needed, so a pool whose cycles all fail the screen
   * costs nothing; a swap leaves the map, and the profile, as they are.
   */
  refresh(pool: number): void {
    if (this.profiles.get(pool)?.ticks !== this.states.get(pool).ticks) this.profiles.delete(pool);
  }

  /**
   * Largest liquidity a swap from the pool's current state meets within `windowTicks` ticks in
   * its direction (the current range included). Read from the pool's `Reach` for its current
   * state: a block re-bounds every path group through a changed pool, each asking this of every
   * pool on its path (~2,900 queries a block on the V3-heavy universe), while only the changed
   * pools' answers move.
   */
  liquidityWithin(pool: number, zeroForOne: boolean, windowTicks: number): bigint {
    const reach = this.reachNow(pool, zeroForOne);
    return reach.within[crossings(reach, windowTicks)]!;
  }

  /** The pool's reach for its current state (kept while its tick, liquidity and tick map stay). */
  private reachNow(pool: number, zeroForOne: boolean): Reach {
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    let reach = key < this.reaches.length ? this.reaches[key] : undefined;
    if (reach === undefined || reach.shape !== this.states.shapeStamp(pool)) {
      reach = this.reach(pool, zeroForOne);
      // Grown with explicit holes filled, so the array stays packed.
      while (this.reaches.length <= key) this.reaches.push(undefined);
      this.reaches[key] = reach;
    }
    // A swap within the range moves the price alone: the float price follows it.
    const stamp = this.states.stateStamp(pool);
    if (reach.stamp !== stamp) {
      reach.stamp = stamp;
      reach.sqrtPrice = Number(this.states.get(pool).sqrtPriceX96) / Q96F;
    }
    return reach;
  }

  /**
   * The pool's reach in one direction from its current state: the distance in ticks to each
   * initialized tick a swap crosses (up to MAX_WALKED_TICKS + 1 of them) and the largest
   * liquidity met after crossing each count of them; past MAX_WALKED_TICKS crossings, the whole
   * direction's maximum. Exactly what walking the prefix sums for a window gives.
   */
  private reach(pool: number, zeroForOne: boolean): Reach {
    const state = this.states.get(pool);
    const { prefix, maxBelow, maxAbove } = this.profile(pool);
    const { ticks } = state;
    const gap = lastIndexAtOrBelow(ticks, state.tick) + 1;
    const offset = state.liquidity - prefix[gap]!;
    const distance: number[] = [];
    let best = prefix[gap]!;
    const within: bigint[] = [offset + best];
    if (zeroForOne) {
      // Crossing ticks[j - 1] (at or below the current tick) moves the swap into gap j - 1.
      for (let j = gap; j > 0; j--) {
        distance.push(state.tick - ticks[j - 1]!);
        if (distance.length > MAX_WALKED_TICKS) {
          within.push(offset + maxBelow[gap]!);
          break;
        }
        if (prefix[j - 1]! > best) best = prefix[j - 1]!;
        within.push(offset + best);
      }
    } else {
      for (let j = gap; j < ticks.length; j++) {
        distance.push(ticks[j]! - state.tick);
        if (distance.length > MAX_WALKED_TICKS) {
          within.push(offset + maxAbove[gap]!);
          break;
        }
        if (prefix[j + 1]! > best) best = prefix[j + 1]!;
        within.push(offset + best);
      }
    }
    return {
      shape: this.states.shapeStamp(pool), within, count: distance.length, floats: Float64Array.from([...distance, ...within.map(Number)]),
      stamp: this.states.stateStamp(pool), sqrtPrice: Number(state.sqrtPriceX96) / Q96F,
    };
  }

  /**
   * Upper bound of the integer profit (output − input − flash fee) of the loaded route at any
   * input ≤ maxIn. `logSum` is the screen's sum of ln(marginal rate net of fee), > 0.
   */
  profitBound(route: Route, logSum: number, flashFeePips: bigint, maxIn: bigint): bigint {
    return profitUpperBound(composeV2(this.boundHops(route, logSum)), flashFeePips, maxIn);
  }

  /**
   * `profitBound` of cycle c (as `Route.load(c)` would load it) in floats, as a ranking key never
   * below it (`DominatingPools`: each hop its own dominating pool, the fee in its rate); 0 when
   * nothing can profit, undefined when a float leaves its range or a hop quotes from an empty input
   * reserve (then `profitBound` decides). Read from the pool and cycle tables, not a loaded route:
   * a V3-heavy block re-keys ~1,500 path-group members in its heaviest blocks, and loading each
   * route (its bigint reserves) cost more than the key. A V2 hop's float reserves are the table's
   * `Number` of its bigint ones, as a loaded route's would be.
   */
  profitKey(pools: PoolTable, cycles: CycleSet, c: number, logSum: number, flashFeePips: number, maxIn: number): number | undefined {
    const window = tickWindow(logSum);
    const composed = this.composition.reset();
    const reserves = this.reserves;
    const base = c * cycles.stride;
    for (let h = 0; h < cycles.length[c]!; h++) {
      const p = cycles.pools[base + h]!;
      const zeroForOne = cycles.zeroForOne[base + h] === 1;
      if (pools.kind[p] === KIND_V2) {
        reserves[0] = pools.reserveF[2 * p + (zeroForOne ? 0 : 1)]!;
        reserves[1] = pools.reserveF[2 * p + (zeroForOne ? 1 : 0)]!;
      } else this.floatReserves(p, zeroForOne, window, reserves);
      const [rIn, rOut] = reserves as unknown as [number, number];
      if (!(rOut > 0)) return 0;
      if (!(rIn > 0)) return undefined;
      composed.add(rOut, ((1 - pools.fee[p]! / 1e6) * rOut) / rIn);
    }
    return composed.key(flashFeePips, maxIn);
  }

  /**
   * The bound pool's virtual reserves L'/s and L'·s as floats, written as (input, output) into
   * `out`; when `out` has room, then the span [lo, hi) of windows that give the same L' (the
   * crossings before and after it), so a caller may keep the reserves while its window stays
   * there and the pool does not move.
   */
  floatReserves(pool: number, zeroForOne: boolean, windowTicks: number, out: Float64Array): void {
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    if (!(key < this.keptStamp.length && this.keptStamp[key] === this.states.stateStamp(pool) && windowTicks >= this.keptLo[key]! && windowTicks < this.keptHi[key]!)) {
      const reach = this.reachNow(pool, zeroForOne);
      const crossed = crossings(reach, windowTicks);
      const liquidity = reach.floats[reach.count + crossed]!;
      const { sqrtPrice } = reach;
      this.keep(
        key, reach.stamp, crossed > 0 ? reach.floats[crossed - 1]! : -Infinity, crossed < reach.count ? reach.floats[crossed]! : Infinity,
        zeroForOne ? liquidity / sqrtPrice : liquidity * sqrtPrice, zeroForOne ? liquidity * sqrtPrice : liquidity / sqrtPrice,
      );
    }
    out[0] = this.keptIn[key]!;
    out[1] = this.keptOut[key]!;
    if (out.length < 4) return;
    out[2] = this.keptLo[key]!;
    out[3] = this.keptHi[key]!;
  }

  /** Keeps what `floatReserves` gave for key (2·pool + zeroForOne), growing the arrays as needed. */
  private keep(key: number, stamp: number, lo: number, hi: number, reserveIn: number, reserveOut: number): void {
    if (key >= this.keptStamp.length) {
      const size = Math.max(2 * this.keptStamp.length, key + 1, 64);
      const grow = (from: Float64Array, fill: number): Float64Array<ArrayBuffer> => {
        const to = new Float64Array(size).fill(fill);
        to.set(from);
        return to;
      };
      this.keptStamp = grow(this.keptStamp, -1);
      this.keptLo = grow(this.keptLo, 0);
      this.keptHi = grow(this.keptHi, 0);
      this.keptIn = grow(this.keptIn, 0);
      this.keptOut = grow(this.keptOut, 0);
    }
    this.keptStamp[key] = stamp;
    this.keptLo[key] = lo;
    this.keptHi[key] = hi;
    this.keptIn[key] = reserveIn;
    this.keptOut[key] = reserveOut;
  }

  /** The loaded route with each V3 hop replaced by its bound pool (V2 hops as they are). */
  boundHops(route: Route, logSum: number): ConstantProductHops {
    const { hops } = this;
    const window = tickWindow(logSum);
    hops.hops = route.hops;
    for (let h = 0; h < route.hops; h++) {
      hops.fee[h] = route.fee[h]!;
      if (route.kind[h] === KIND_V2) {
        hops.reserveIn[h] = route.reserveIn[h]!;
        hops.reserveOut[h] = route.reserveOut[h]!;
        continue;
      }
      const pool = route.pool[h]!;
      const zeroForOne = route.zeroForOne[h] === 1;
      const liquidity = this.liquidityWithin(pool, zeroForOne, window);
      const sqrtPrice = this.states.get(pool).sqrtPriceX96;
      // Virtual reserves L/s (token0) and L·s (token1), rounded towards more output: the input
      // reserve down, the output reserve up.
      const reserve0Down = (liquidity * Q96) / sqrtPrice;
      const reserve1Down = (liquidity * sqrtPrice) / Q96;
      hops.reserveIn[h] = zeroForOne ? reserve0Down : reserve1Down;
      hops.reserveOut[h] = zeroForOne ? ceilDiv(liquidity * sqrtPrice, Q96) : ceilDiv(liquidity * Q96, sqrtPrice);
    }
    return hops;
  }

  private profile(pool: number): TickProfile {
    const state = this.states.get(pool);
    const known = this.profiles.get(pool);
    if (known !== undefined && known.ticks === state.ticks) return known;
    const n = state.ticks.length;
    const prefix = new Array<bigint>(n + 1);
    prefix[0] = 0n;
    for (let j = 0; j < n; j++) prefix[j + 1] = prefix[j]! + state.liquidityNet[j]!;
    const maxBelow = new Array<bigint>(n + 1);
    const maxAbove = new Array<bigint>(n + 1);
    maxBelow[0] = prefix[0]!;
    for (let j = 1; j <= n; j++) maxBelow[j] = prefix[j]! > maxBelow[j - 1]! ? prefix[j]! : maxBelow[j - 1]!;
    maxAbove[n] = prefix[n]!;
    for (let j = n - 1; j >= 0; j--) maxAbove[j] = prefix[j]! > maxAbove[j + 1]! ? prefix[j]! : maxAbove[j + 1]!;
    const profile = { ticks: state.ticks, prefix, maxBelow, maxAbove };
    this.profiles.set(pool, profile);
    return profile;
  }
}

/**
 * Ticks a hop's price can move before the cycle's slope falls below 1: ln ρ / ln 1.0001 with
 * ρ = exp(logSum), plus two for the float sum and the current tick's fraction.
 */
export function tickWindow(logSum: number): number {
  const window = Math.ceil(logSum / LN_TICK) + 2;
  return window < 2 * MAX_TICK ? window : 2 * MAX_TICK;
}
