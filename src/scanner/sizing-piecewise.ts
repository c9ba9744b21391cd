import { PiecewiseWalk, type Region } from './piecewise-walk.ts';
import type { Route } from './route.ts';
import { sizeGenericRoute } from './sizing-generic.ts';
import { CachedRoute } from './sizing-quotes.ts';
import { climb, EXHAUSTIVE_WINDOW, finish, profitAt, scanLevels, type ExactRoute, type Sized, type SizingLimits } from './sizing.ts';
import type { StampedV3States } from './v3-states.ts';

/** Ranges a walk may cross (one tick of one hop each) before the golden-section search takes over. */
const MAX_REGIONS = 512;
/**
 * Float slack of the walk, relative to the amounts: the walk's profit is a float sum (relative
 * error ~1e-15 per region) from tick prices exp(t·ln√1.0001) (~1e-15 off the contract's); the
 * search window is widened by far more than that, so it stays a superset of what it must hold.
 */
const RELATIVE_SLACK = 1e-9;

function newRegion(): Region {
  return { x: 0, profit: 0, beta: 1, excess: -1, lnExcess: -Infinity, length: Infinity, hop: -1, tick: NaN };
}

/**
 * Where the walk found the real optimum: inside a region (a stationary point, located in
 * floats), at a range boundary of some hop (a kink: the route's slope drops below k as that hop
 * crosses the tick, or runs dry at its price limit), or at the size cap.
 */
interface Optimum {
  x: number;
  /** Real profit there. */
  best: number;
  kind: 'interior' | 'kink' | 'cap';
  /** For a kink: the hop and its boundary tick (NaN: the price limit). */
  hop: number;
  tick: number;
}

/**
 * Sizes a route with V3 hops by exact piecewise sizing across tick ranges, then integer
 * refinement:
 *
 * 1. **Walk** (`PiecewiseWalk`): from zero input, compose the hops' current ranges into one
 *    virtual pool; if its closed-form optimum lies before the first range boundary a hop
 *    reaches, that is the real optimum (the real output is concave, and its slope is still
 *    above k at the region's start); otherwise move to that boundary, put the hop in its next
 *    range and repeat. One step per tick actually crossed at the optimum, usually none.
 * 2. **Integer climb** from the optimum (as for V2 routes): a local integer optimum, no input
 *    within ±5 doing better.
 * 3. **Exhaustive check**: the integer profit never exceeds the real one (every hop rounds
 *    against the trader), so an input beating the climbed profit lies where the real profit
 *    does; the walk's regions give that window (roots of one quadratic per region, left along
 *    the regions walked, right by walking on). If it holds ≤ 256 inputs, or its coarsest hop
 *    ≤ 256 output levels, every candidate is evaluated: the true integer optimum.
 *
 * Every amount compared is the exact swap loop's. Falls back to the golden-section search
 * (`sizeGenericRoute`) when the walk would cross more than MAX_REGIONS ranges or its floats
 * leave their range; `fallbacks` counts those.
 */
export class PiecewiseSizer {
  /** Sizings handed to the golden-section search. */
  fallbacks = 0;
  private readonly walk = new PiecewiseWalk();
  /** Regions walked up to the optimum's, reused. */
  private readonly regions: Region[] = [];
  /** How many of `regions` the last walk used (the array only grows: resizing it on every step allocated). */
  private regionCount = 0;
  /** Scratch region of `window`'s walk past the optimum, and the optimum `findOptimum` answers (read before the next walk). */
  private readonly ahead = newRegion();
  private readonly optimum: Optimum = { x: 0, best: 0, kind: 'interior', hop: -1, tick: NaN };
  /** The route being sized, its exact quotes remembered for the sizing. */
  private readonly quotes: CachedRoute;
  /** Per hop: rate of its output in route input at the optimum. */
  private readonly rates = new Float64Array(4);

  constructor(private readonly v3: StampedV3States | undefined) {
    this.quotes = new CachedRoute(v3);
  }

  /**
   * An upper bound of the exact integer profit of `route` at any input ≤ maxIn, at this flash
   * fee (so of every dearer one too), from the walk alone: the real profit at the real optimum
   * plus the walk's float slack. Every hop rounds against the trader, so no integer input
   * profits more than the real curve, which the walk follows to ~1e-15 relative (the same
   * argument `size` relies on to stop when it stays below one wei, and to bound its search
   * window). Far tighter than the ranking's bound pools, and no exact quote: the scanner sizes
   * a cycle only when this still lets it reach the results. Undefined when the walk gives up
   * (the sizing would fall back; nothing tighter is known).
   */
  profitBound(route: Route, limits: SizingLimits): number | undefined {
    return this.profitBoundAt(route, Number(limits.flashFeePips), Number(limits.maxIn));
  }

  /** `profitBound` with the flash fee (pips) and the cap as the floats the walk takes (the scanner has them so, per cycle). */
  profitBoundAt(route: Route, flashFeePips: number, maxIn: number): number | undefined {
    const found = this.findOptimum(route, flashFeePips, maxIn);
    if (found === undefined || !Number.isFinite(found.best)) return undefined;
    const bound = found.best + this.slack(found.x) + this.walk.crossingError();
    return Number.isFinite(bound) ? Math.max(0, bound) : undefined;
  }

  size(route: Route, limits: SizingLimits): Sized | undefined {
    const { flashFeePips, maxIn } = limits;
    const found = this.findOptimum(route, Number(flashFeePips), Number(maxIn));
    if (found === undefined) {
      this.fallbacks++;
      return sizeGenericRoute(route, limits);
    }
    const { x: optimum, best } = found;
    // No integer input can profit a wei where the real profit stays below one.
    if (best < 1 - this.slack(optimum) - this.walk.crossingError()) return undefined;
    const quotes = this.quotes;
    quotes.reset(route);
    // Each V3 hop's quotes near the optimum resume from the last tick the walk saw it cross.
    for (let h = 0; h < route.hops; h++) if (!Number.isNaN(this.walk.lastCrossed(h))) quotes.checkpoint(h, this.walk.lastCrossed(h));
    let seed = this.seed(found, maxIn);
    if (quotes.out(seed) === 0n) {
      // A hop rounds the seed to nothing (very different decimals): start where something comes out.
      const least = quotes.minIn(1n);
      if (least < 1n || least > maxIn) return undefined;
      seed = least;
    }
    let x = climb(quotes, seed, limits);
    const here = profitAt(quotes, x, flashFeePips);
    const window = this.window(here < 0n ? 1n : here + 1n, optimum, Number(maxIn));
    if (window !== undefined) {
      const lo = window[0] < 1n ? 1n : window[0];
      const hi = window[1] > maxIn ? maxIn : window[1];
      if (hi >= lo && hi - lo <= EXHAUSTIVE_WINDOW) x = scanWith(quotes, lo, hi, x, flashFeePips);
      else if (hi >= lo && this.fewLevels(optimum - Number(lo))) x = scanLevels(quotes, lo, hi, x, flashFeePips) ?? x;
    }
    const sized = finish(quotes, x, flashFeePips);
    // The per-hop amounts at the optimum from the same exact quotes (equal to whole swaps: tested),
    // so the opportunity needs no second run of the swap loop per hop.
    return sized === undefined ? undefined : { ...sized, amounts: quotes.amounts(x) };
  }

  /**
   * The integer input the climb starts from. At a kink the optimum is exact: the least route input
   * that brings the hop to its boundary, from the swap loop stopped at that tick's price (the
   * float walk places boundaries only to ~1e-15, and the integer profit still rises up to the
   * exact one). Inside a region the real profit is flat to well beyond the float error, so the
   * float optimum serves.
   */
  private seed(found: Optimum, maxIn: bigint): bigint {
    if (found.kind === 'cap') return maxIn;
    let seed = BigInt(Math.floor(found.x));
    if (found.kind === 'kink') {
      const h = found.hop;
      const reach = this.quotes.checkpoint(h, found.tick);
      if (reach !== undefined) {
        const least = h === 0 ? reach : this.quotes.minIn(reach, h - 1);
        if (least >= 1n) seed = least;
      }
    }
    return seed < 1n ? 1n : seed > maxIn ? maxIn : seed;
  }

  /**
   * Whether some hop may have few enough output levels across the window for `scanLevels` (which
   * quotes both ends of the window before it can tell). Between the window's left end and the
   * optimum, each hop's output grows at least at its rate at the optimum (the real output is
   * concave): when even that exceeds the limit by a wide margin for every hop, the check is
   * skipped.
   */
  private fewLevels(leftOfOptimum: number): boolean {
    for (let h = 0; h < this.walk.hops; h++) if (this.rates[h]! * leftOfOptimum <= 2 * Number(EXHAUSTIVE_WINDOW) + 16) return true;
    return false;
  }

  /**
   * Walks the route to its real optimum: the input and the real profit there, or undefined when
   * the walk gives up (the caller falls back). Leaves the walk at the optimum's region, which is
   * the last of `regions`.
   */
  private findOptimum(route: Route, flashFeePips: number, maxIn: number): Optimum | undefined {
    const { walk, regions } = this;
    walk.load(route, this.v3, flashFeePips);
    for (let i = 0; i < MAX_REGIONS; i++) {
      const region = regions[i] ?? (regions[i] = newRegion());
      this.regionCount = i + 1;
      if (!walk.compose(region)) return undefined;
      const room = maxIn - region.x;
      if (room < region.length) {
        region.length = room;
        region.hop = -1;
      }
      // Slope at the region's start already below k: the optimum is its start (concavity), the
      // boundary the previous region ended at.
      if (region.lnExcess <= 0) return this.optimumAt(region, 0, i === 0 ? 'interior' : 'kink', regions[i - 1]);
      const t = region.beta * Math.expm1(region.lnExcess / 2);
      if (t <= region.length) return this.optimumAt(region, t, 'interior');
      // The cap ends the search: the optimum under it is the cap.
      if (region.hop < 0) return this.optimumAt(region, region.length, 'cap');
      walk.advance(region, region.length);
    }
    return undefined;
  }

  /** The optimum at input t into `region` (the walk's last composed one), with the hops' rates there. */
  private optimumAt(region: Region, t: number, kind: Optimum['kind'], ended?: Region): Optimum {
    this.walk.hopRates(t, this.rates);
    const optimum = this.optimum;
    optimum.x = region.x + t;
    optimum.best = region.profit + this.walk.gain(region, t);
    optimum.kind = kind;
    optimum.hop = ended?.hop ?? -1;
    optimum.tick = ended?.tick ?? NaN;
    return optimum;
  }

  /**
   * Integer inputs whose real profit can reach `floor`, widened by the float slack; undefined
   * when none can (the climbed input is then the integer optimum). The left end is found along
   * the regions walked, the right end by walking on past the optimum.
   */
  private window(floor: bigint, optimum: number, maxIn: number): [bigint, bigint] | undefined {
    const { walk, regions } = this;
    const slack = this.slack(optimum);
    const level = Number(floor) - slack;
    const last = regions[this.regionCount - 1]!;
    if (superlevel(walk, last, level) === undefined) return undefined;
    let lo = 0;
    for (let i = this.regionCount - 1; i >= 0; i--) {
      const span = superlevel(walk, regions[i]!, level);
      if (span === undefined) {
        lo = regions[i]!.x + regions[i]!.length;
        break;
      }
      if (span[0] > 0) {
        lo = regions[i]!.x + span[0];
        break;
      }
    }
    let hi: number | undefined;
    const region = Object.assign(this.ahead, last);
    for (let i = 0; i < MAX_REGIONS && hi === undefined; i++) {
      const span = superlevel(walk, region, level);
      if (span === undefined) hi = region.x;
      else if (span[1] < region.length) hi = region.x + span[1];
      // Reaching the cap (the only region without an end ahead but the flat one, which closes).
      else if (region.hop < 0) hi = maxIn;
      else {
        walk.advance(region, region.length);
        if (!walk.compose(region)) return undefined;
        if (maxIn - region.x < region.length) {
          region.length = maxIn - region.x;
          region.hop = -1;
        }
      }
    }
    if (hi === undefined) return undefined;
    const low = Math.floor(lo * (1 - RELATIVE_SLACK)) - 1;
    const high = Math.ceil(hi * (1 + RELATIVE_SLACK)) + 1;
    if (!Number.isFinite(low) || !Number.isFinite(high)) return undefined;
    return [BigInt(low), BigInt(high)];
  }

  /** Absolute float slack of a real profit around input `x`. */
  private slack(x: number): number {
    return RELATIVE_SLACK * x + 0.01;
  }
}

/**
 * Where within `region` (as inputs t from its start, clipped to [0, length]) the real profit is
 * at least `level`, or undefined when nowhere. The profit there is P + k·t·(e·β − t)/(β + t),
 * concave, so the set is an interval: t² − (e·β + d)·t − d·β ≤ 0 with d = (P − level)/k.
 */
function superlevel(walk: PiecewiseWalk, region: Region, level: number): [number, number] | undefined {
  const d = (region.profit - level) / walk.k;
  let low: number;
  let high: number;
  if (region.excess === -1) {
    // A flat route: the profit falls by k per unit of input.
    if (d < 0) return undefined;
    [low, high] = [0, d];
  } else {
    const { beta } = region;
    const b = region.excess * beta + d;
    const disc = b * b + 4 * d * beta;
    if (disc < 0) return undefined;
    const root = Math.sqrt(disc);
    // The product of the roots is −d·β: take the one without cancellation first.
    if (b >= 0) {
      high = (b + root) / 2;
      low = high === 0 ? 0 : (-d * beta) / high;
    } else {
      low = (b - root) / 2;
      high = (-d * beta) / low;
    }
  }
  if (low < 0) low = 0;
  if (high > region.length) high = region.length;
  return low <= high ? [low, high] : undefined;
}

/** Best input in [lo, hi] by checking each, or `current` if none beats it (smallest input on ties). */
function scanWith(route: ExactRoute, lo: bigint, hi: bigint, current: bigint, flashFeePips: bigint): bigint {
  let bestX = current;
  let best = profitAt(route, current, flashFeePips);
  for (let x = lo; x <= hi; x++) {
    const p = profitAt(route, x, flashFeePips);
    if (p > best || (p === best && x < bestX)) {
      best = p;
      bestX = x;
    }
  }
  return bestX;
}
