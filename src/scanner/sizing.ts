import { ceilDiv, isqrt } from './bigint-math.ts';
import { mayProfitBelowOne, noProfitFrom, realMaximumBelowOne } from './no-profit.ts';
import type { Route } from './route.ts';

/**
 * What the integer refinement evaluates: a loaded `Route`, or a wrapper caching its exact quotes
 * (sizing-quotes.ts). Every output is the exact AMM math's.
 */
export interface ExactRoute {
  readonly hops: number;
  /** Final output for `amountIn`; 0 when some hop rounds to nothing. */
  out(amountIn: bigint): bigint;
  /** Amounts along the route: [amountIn, out of hop 0, …, final output]. */
  amounts(amountIn: bigint): bigint[];
  /** Least input whose output after hop `lastHop` (default: the last) is >= `amountOut`, or -1n. */
  minIn(amountOut: bigint, lastHop?: number): bigint;
  /** Final outputs for every input lo..hi, in order (optional: a cached route fills plateaus without quoting them). */
  outs?(lo: bigint, hi: bigint): bigint[];
  /** Final output when hop `from` is handed `amount` (the amount itself when `from` is past the last hop); optional. */
  outFrom?(from: number, amount: bigint): bigint;
}

const PIPS = 1_000_000n;

/** Below this many candidate inputs the refinement checks every one: the result is then provably optimal. */
export const EXHAUSTIVE_WINDOW = 256n;
/** Guard against a pathological climb (each step gains at least one wei, so it is short in practice). */
const MAX_CLIMB_STEPS = 256;

/** What the sizing needs besides the route. */
export interface SizingLimits {
  /** Flash-loan fee on the borrowed input, in pips (0 for a V2 flash swap repaid in kind on the route). */
  flashFeePips: bigint;
  /** Largest input allowed (maximum size per token); the liquidity bounds the rest. */
  maxIn: bigint;
}

/** The chosen input and its exact integer profit (output − input − flash fee). */
export interface Sized {
  amountIn: bigint;
  amountOut: bigint;
  flashFee: bigint;
  profit: bigint;
  /** Input, then each hop's output at `amountIn`, when the sizing's own exact quotes hold them (piecewise sizing). */
  amounts?: bigint[];
}

/** Flash fee on `amountIn`, rounded up (we pay it). */
export function flashFee(amountIn: bigint, flashFeePips: bigint): bigint {
  return flashFeePips === 0n ? 0n : ceilDiv(amountIn * flashFeePips, PIPS);
}

/**
 * The cycle composed into one virtual constant-product pool: out(x) = A·x / (B + C·x) over
 * the reals, each hop being (gᵢ·Routᵢ)·x / (1e6·Rinᵢ + gᵢ·x) with gᵢ = 1e6 − feeᵢ. Composing
 * two such maps gives another (A = A₁A₂, B = B₁B₂, C = B₂C₁ + A₁C₂), so any V2 cycle is one.
 */
export interface VirtualPool {
  a: bigint;
  b: bigint;
  c: bigint;
}

/** Constant-product hops in order: what `composeV2` reads (a loaded all-V2 `Route` is one). */
export interface ConstantProductHops {
  readonly hops: number;
  /** Swap fee of each hop in pips. */
  readonly fee: ArrayLike<number>;
  readonly reserveIn: readonly bigint[];
  readonly reserveOut: readonly bigint[];
}

/** Composes constant-product hops (a loaded all-V2 route, or the bound pools of any route) into their virtual pool. */
export function composeV2(route: ConstantProductHops): VirtualPool {
  let a = 1n;
  let b = 1n;
  let c = 0n;
  for (let h = 0; h < route.hops; h++) {
    const g = PIPS - BigInt(route.fee[h]!);
    const ah = g * route.reserveOut[h]!;
    const bh = PIPS * route.reserveIn[h]!;
    c = bh * c + a * g;
    a *= ah;
    b *= bh;
  }
  return { a, b, c };
}

/**
 * Real optimum of A·x/(B + C·x) − k·x with k = (1e6 + φ)/1e6, floored: setting the derivative
 * A·B/(B + C·x)² to k gives x = (sqrt(A·B/k) − B)/C. Returns 0n when no input is profitable
 * (the marginal rate at zero, A/B, does not beat k).
 */
export function closedFormOptimum(pool: VirtualPool, flashFeePips: bigint): bigint {
  const k = PIPS + flashFeePips;
  if (pool.a * PIPS <= pool.b * k) return 0n;
  const root = isqrt((pool.a * pool.b * PIPS) / k);
  return root > pool.b ? (root - pool.b) / pool.c : 0n;
}

/**
 * An upper bound of the integer profit of the virtual pool at any input <= maxIn: the real
 * maximum (√A − √(k·B))² / C with k = (1e6 + φ)/1e6, rounded up, or the real profit at maxIn
 * when the optimum lies beyond it. Every hop floors, so no integer input can beat it; ranking
 * by it lets exact refinement run only for the cycles that could reach the top.
 */
export function profitUpperBound(pool: VirtualPool, flashFeePips: bigint, maxIn: bigint): bigint {
  const k = PIPS + flashFeePips;
  if (pool.a * PIPS <= pool.b * k) return 0n;
  // The optimum (√(A·B/k) − B)/C lies at or beyond maxIn iff A·B·1e6 >= K·(B + C·maxIn)²: no root needed.
  const atMax = pool.b + pool.c * maxIn;
  if (pool.a * pool.b * PIPS >= k * atMax * atMax) {
    // Concave profit: the best input within the bound is the bound itself.
    return ceilDiv(pool.a * maxIn * PIPS - k * maxIn * atMax, PIPS * atMax);
  }
  // (√A − √(kB))²/C = D² / (1e6·K·B·C·(√ρ + 1)²) with D = 1e6·A − K·B exact and ρ = 1e6·A/(K·B):
  // no cancellation left for the floats, whose relative error (< 1e-14) the 1e-9 margin covers.
  // A bound only orders the refinement; every amount still comes from the exact search.
  const d = pool.a * PIPS - k * pool.b;
  const kb = Number(k) * Number(pool.b);
  const root = Math.sqrt((Number(pool.a) * 1e6) / kb) + 1;
  const bound = (Number(d) / (1e6 * kb)) * (Number(d) / (Number(pool.c) * root * root));
  if (Number.isFinite(bound) && Number.isFinite(root)) return BigInt(Math.ceil(bound * (1 + 1e-9))) + 1n;
  // Beyond float range (long routes through huge reserves): the same bound in integers.
  // (√A − √(kB))² = A + kB − 2·√(A·kB): round kB up where it adds and down under the root.
  const kbDown = (k * pool.b) / PIPS;
  const kbUp = ceilDiv(k * pool.b, PIPS);
  return ceilDiv(pool.a + kbUp - 2n * isqrt(pool.a * kbDown), pool.c);
}

/**
 * Inputs where the real profit is at least `floor`: the integer profit never exceeds the real
 * one (every hop floors), so any integer input that beats `floor` lies inside. From
 * f(x) >= L: K·C·x² + (K·B + 1e6·C·L − 1e6·A)·x + 1e6·L·B <= 0, with K = 1e6 + φ.
 */
export function profitWindow(pool: VirtualPool, flashFeePips: bigint, floor: bigint): [bigint, bigint] | undefined {
  const k = PIPS + flashFeePips;
  const qa = k * pool.c;
  const qb = k * pool.b + PIPS * pool.c * floor - PIPS * pool.a;
  const qc = PIPS * floor * pool.b;
  const disc = qb * qb - 4n * qa * qc;
  if (disc < 0n) return undefined;
  const r = isqrt(disc) + 1n;
  const lo = floorDiv(-qb - r, 2n * qa);
  const hi = ceilDiv(-qb + r, 2n * qa);
  return [lo, hi];
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Exact integer profit at `x` (0 < x): output − input − flash fee. */
export function profitAt(route: ExactRoute, x: bigint, flashFeePips: bigint): bigint {
  return route.out(x) - x - flashFee(x, flashFeePips);
}

/**
 * Integer refinement around a seed: jumps to the left edge of the seed's output plateau (the
 * least input for the same output, one inverse evaluation however wide the plateau; skipped
 * when the input just below already gives less, as it then is the edge), then moves to the
 * best of the inputs within ±5 while one is strictly better. The result is a local integer
 * optimum: no input within ±5 of it gives more.
 */
export function climb(route: ExactRoute, seed: bigint, limits: SizingLimits): bigint {
  return climbFrom(route, seed, limits, undefined, false).x;
}

/** Where `climbFrom` stopped, and the route's output there. */
export interface Climbed {
  x: bigint;
  out: bigint;
}

/**
 * `climb`, from a seed whose output the caller may have quoted already (`seedOut`), answering
 * the output at the result too. `monotone`: the route's output never falls as its input grows
 * (every hop constant-product). Then after the jump to a plateau's left edge, every input up to
 * where it jumped from pays the same output for more input, so less profit: none of them can be
 * the step, and they are not quoted (on the 100k V2 universe 96 % of the plateaus jumped were
 * wider than the ±5 neighbourhood, whose right half they covered).
 */
export function climbFrom(route: ExactRoute, seed: bigint, limits: SizingLimits, seedOut: bigint | undefined, monotone: boolean): Climbed {
  const { flashFeePips, maxIn } = limits;
  let x = seed < 1n ? 1n : seed > maxIn ? maxIn : seed;
  // The route's output at x when the caller or the last step already quoted it.
  let known = x === seed ? seedOut : undefined;
  const best = { x, profit: 0n };
  for (let step = 0; step < MAX_CLIMB_STEPS; step++) {
    let out = known ?? route.out(x);
    // Inputs in (x, plateauEnd] pay `out` (monotone route): less profit than x.
    let plateauEnd = x;
    // On a plateau when the input below pays the same. Outputs that never fall tell it by the least
    // input paying `out` alone: x itself unless x is on a plateau, whose left edge it then is (one
    // chain of least inputs instead of a whole quote of x − 1 before it, on most climb steps).
    if (out > 0n && x > 1n && (monotone || route.out(x - 1n) === out)) {
      const edge = route.minIn(out);
      if (edge >= 1n && edge < x) {
        // The least input paying `out` pays exactly `out` when outputs never fall.
        if (monotone) plateauEnd = x;
        else out = route.out(edge);
        x = edge;
      }
    }
    const lo = x - 5n < 1n ? 1n : x - 5n;
    const hi = x + 5n > maxIn ? maxIn : x + 5n;
    const here = out - x - flashFee(x, flashFeePips);
    best.x = x;
    best.profit = here;
    // Left of x, then right of it (or of the plateau): in order, so ties go to the smaller input.
    improve(route, lo, x - 1n, flashFeePips, best);
    improve(route, plateauEnd + 1n, hi, flashFeePips, best);
    let next = best.x;
    let nextProfit = best.profit;
    if (next === x) return { x, out };
    if (next - x === 5n || x - next === 5n) {
      // Still climbing at the edge of the neighbourhood: gallop that way while it pays, so a
      // seed far from the integer optimum (e.g. where a hop rounds to nothing) costs log steps.
      const dir = next - x;
      let stride = dir * 2n;
      for (;;) {
        const candidate = next + stride;
        if (candidate < 1n || candidate > maxIn) break;
        const p = profitAt(route, candidate, flashFeePips);
        if (p <= nextProfit) break;
        next = candidate;
        nextProfit = p;
        stride *= 2n;
      }
    }
    // Its output is its profit plus what the profit took off.
    known = nextProfit + next + flashFee(next, flashFeePips);
    x = next;
  }
  return { x, out: known ?? route.out(x) };
}

/** Moves `best` to the first input of [from, to] (none when from > to) with more profit than it has. */
function improve(route: ExactRoute, from: bigint, to: bigint, flashFeePips: bigint, best: { x: bigint; profit: bigint }): void {
  if (from > to) return;
  // A route that fills output plateaus without quoting them gives the run's outputs at once.
  const outs = route.outs?.(from, to);
  for (let candidate = from; candidate <= to; candidate++) {
    const p = outs === undefined ? profitAt(route, candidate, flashFeePips) : outs[Number(candidate - from)]! - candidate - flashFee(candidate, flashFeePips);
    if (p > best.profit) {
      best.x = candidate;
      best.profit = p;
    }
  }
}

/** Best input in [lo, hi] by checking each (smallest input on ties). */
export function scan(route: ExactRoute, lo: bigint, hi: bigint, flashFeePips: bigint): bigint {
  // A route that fills output plateaus without quoting them gives every output at once.
  const outs = route.outs?.(lo, hi);
  let bestX = lo;
  let best = outs === undefined ? profitAt(route, lo, flashFeePips) : outs[0]! - lo - flashFee(lo, flashFeePips);
  for (let x = lo + 1n; x <= hi; x++) {
    const p = outs === undefined ? profitAt(route, x, flashFeePips) : outs[Number(x - lo)]! - x - flashFee(x, flashFeePips);
    if (p > best) {
      best = p;
      bestX = x;
    }
  }
  return bestX;
}

/**
 * Best input in [lo, hi] through the levels of the coarsest hop, when a hop with few output
 * levels over a wide window (a thin pool, or a token with few decimals) makes the profit a
 * staircase: everything downstream depends only on that hop's output, and on each of its
 * levels the least input (the level's left edge, from `minIn`) profits most, so checking every
 * edge is exhaustive. Returns the best of `current` and the edges, or undefined when even the
 * coarsest hop has too many levels.
 */
export function scanLevels(route: ExactRoute, lo: bigint, hi: bigint, current: bigint, flashFeePips: bigint, limit = EXHAUSTIVE_WINDOW, known: KnownLevels = {}): bigint | undefined {
  const atLo = route.amounts(lo);
  const atHi = route.amounts(hi);
  let hop = -1;
  let levels = limit + 1n;
  for (let h = 0; h < route.hops; h++) {
    // A negative span means a pool ran dry inside the window (a V3 range exhausted): the
    // outputs are not monotone there, so that hop cannot enumerate the window.
    const span = atHi[h + 1]! - atLo[h + 1]!;
    if (span >= 0n && span < levels) {
      levels = span;
      hop = h;
    }
  }
  if (hop < 0) return undefined;
  let bestX = current;
  let best = known.currentProfit ?? profitAt(route, current, flashFeePips);
  // lo's profit from its amounts above (the route's output is their last).
  const atLoProfit = atLo[route.hops]! - lo - flashFee(lo, flashFeePips);
  if (atLoProfit > best || (atLoProfit === best && lo < bestX)) {
    best = atLoProfit;
    bestX = lo;
  }
  const first = atLo[hop + 1]! + 1n;
  const last = atHi[hop + 1]!;
  const outFrom = known.monotone === true ? route.outFrom : undefined;
  if (outFrom !== undefined) {
    // Outputs never fall: level L's edge x_L pays exactly L at `hop` when the next level's edge
    // lies beyond it (x_L reaches L, and only inputs from x_{L+1} on reach L + 1; the last
    // level's next edge is past hi, which pays it), so only the hops after `hop` are quoted.
    // An edge shared with the next level is the same input: it is taken with that level.
    let x = route.minIn(first, hop);
    for (let level = first; level <= last; level++) {
      const nextX = level < last ? route.minIn(level + 1n, hop) : hi + 1n;
      if (x < nextX && x >= lo && x <= hi) {
        const p = outFrom.call(route, hop + 1, level) - x - flashFee(x, flashFeePips);
        if (p > best || (p === best && x < bestX)) {
          best = p;
          bestX = x;
        }
      }
      x = nextX;
    }
    return bestX;
  }
  for (let level = first; level <= last; level++) {
    const x = route.minIn(level, hop);
    if (x < lo || x > hi) continue;
    const p = profitAt(route, x, flashFeePips);
    if (p > best || (p === best && x < bestX)) {
      best = p;
      bestX = x;
    }
  }
  return bestX;
}

/** What the caller of `scanLevels` already knows: the current input's profit, and whether the route's outputs never fall as inputs grow (every hop constant-product). */
export interface KnownLevels {
  currentProfit?: bigint;
  monotone?: boolean;
}

/**
 * Sizes a loaded all-V2 route: closed form, then integer refinement. When the window of inputs
 * that could still beat the climbed amount is small (in inputs, or in output levels of some
 * hop) it is searched exhaustively, which makes the result the true integer optimum; otherwise
 * the result is a local optimum (no input within ±5 does better). Returns undefined when
 * nothing profits.
 */
export function sizeV2Route(route: Route, limits: SizingLimits): Sized | undefined {
  const pool = composeV2(route);
  // The first wei does not profit: no input does (concave profit).
  const edge = pool.a * PIPS - pool.b * (PIPS + limits.flashFeePips);
  if (edge <= 0n) return undefined;
  // Exact proofs that nothing profits, before the closed form's root and the quotes (no-profit.ts).
  if (mayProfitBelowOne(pool, limits.flashFeePips, edge) && realMaximumBelowOne(pool, limits.flashFeePips)) return undefined;
  const seed = closedFormOptimum(pool, limits.flashFeePips);
  let start = seed;
  const seedOut = route.out(seed);
  if (seedOut === 0n) {
    // Some hop rounds the seed to nothing (tokens of very different decimals): no smaller input
    // can profit, so start from the least input that yields anything, if that can still profit.
    start = route.minIn(1n);
    if (start < 1n || noProfitFrom(pool, limits.flashFeePips, start)) return undefined;
    const viable = profitWindow(pool, limits.flashFeePips, 1n);
    if (viable === undefined || start > viable[1]) return undefined;
  }
  // The climbed input and its output (known to the climb): its profit bounds the window, and it
  // is the result whenever neither search below moves it.
  const { x: climbed, out: climbedOut } = climbFrom(route, start, limits, start === seed ? seedOut : undefined, true);
  const climbedProfit = climbedOut - climbed - flashFee(climbed, limits.flashFeePips);
  let x = climbed;
  const window = profitWindow(pool, limits.flashFeePips, climbedProfit);
  if (window !== undefined) {
    const lo = window[0] < 1n ? 1n : window[0];
    const hi = window[1] > limits.maxIn ? limits.maxIn : window[1];
    if (hi >= lo && hi - lo <= EXHAUSTIVE_WINDOW) x = scan(route, lo, hi, limits.flashFeePips);
    else if (hi >= lo) x = scanLevels(route, lo, hi, x, limits.flashFeePips, EXHAUSTIVE_WINDOW, { currentProfit: climbedProfit, monotone: true }) ?? x;
  }
  return x === climbed ? sized(x, climbedOut, flashFee(x, limits.flashFeePips)) : finish(route, x, limits.flashFeePips);
}

/** The sized result at `x`, or undefined when it does not profit. */
export function finish(route: ExactRoute, x: bigint, flashFeePips: bigint): Sized | undefined {
  return sized(x, route.out(x), flashFee(x, flashFeePips));
}

/** The sized result at `x` from its output and fee, or undefined when it does not profit. */
function sized(x: bigint, amountOut: bigint, fee: bigint): Sized | undefined {
  const profit = amountOut - x - fee;
  return profit > 0n ? { amountIn: x, amountOut, flashFee: fee, profit } : undefined;
}
