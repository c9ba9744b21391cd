import { ceilDiv } from './bigint-math.ts';
import type { PathGroups } from './path-groups.ts';
import { KIND_V2, type PoolTable } from './pool-table.ts';
import { DominatingPools } from './float-bound.ts';
import { composeV2, profitUpperBound } from './sizing.ts';
import { tickWindow, type V3LiquidityBound } from './v3-bound.ts';
import type { V3States } from './v3-states.ts';

const PIPS = 1_000_000n;
const Q96 = 1n << 96n;
/** Best ln(marginal rate net of fee) among the pools of group g's hop h. */
export function bestLogRate(groups: PathGroups, g: number, stride: number, h: number, pools: PoolTable): number {
  let best = -Infinity;
  for (let i = groups.poolStart[g * stride + h]!; i < groups.poolStart[g * stride + h + 1]!; i++) {
    const rate = pools.logRate[2 * groups.pools[i]! + (groups.zeroForOne[i] === 1 ? 0 : 1)]!;
    if (rate > best) best = rate;
  }
  return best;
}

/**
 * The screen of a group's best combination: the sum over hops of the best ln(marginal rate net
 * of fee). If even that is not positive, no member can profit; it also sets the V3 bound pools'
 * tick window (at least each member's own).
 */
function bestLogSum(groups: PathGroups, g: number, stride: number, pools: PoolTable): number {
  let logSum = 0;
  for (let h = 0; h < groups.hops[g]!; h++) logSum += bestLogRate(groups, g, stride, h, pools);
  return logSum;
}

/**
 * One hop's dominating pool in floats: `most` its output reserve (0 when no pool pays), `rate`
 * its marginal rate; [`lo`, `hi`) the tick windows over which every V3 bound pool of the hop
 * keeps the liquidity it was read at (path-group-keys.ts reuses the hop while the window stays
 * in it and none of its pools moves).
 */
export interface DominatingHop {
  most: number;
  rate: number;
  lo: number;
  hi: number;
}

/**
 * Group g's hop h as one dominating pool at tick window `window`, written into `out` (with
 * `only`, over the hop's slots flagged 1). Returns false when a pool quotes from an empty input
 * reserve (no float bound: `pathGroupBound` decides).
 */
export function dominatingHop(
  groups: PathGroups,
  g: number,
  stride: number,
  h: number,
  pools: PoolTable,
  v3Bound: V3LiquidityBound | undefined,
  window: number,
  out: DominatingHop,
  only?: Uint8Array,
): boolean {
  out.most = 0;
  out.rate = 0;
  out.lo = -Infinity;
  out.hi = Infinity;
  for (let i = groups.poolStart[g * stride + h]!; i < groups.poolStart[g * stride + h + 1]!; i++) {
    if (only !== undefined && only[i] === 0) continue;
    const p = groups.pools[i]!;
    boundReserves(pools, v3Bound, p, groups.zeroForOne[i] === 1, window, reserves);
    if (reserves[2]! > out.lo) out.lo = reserves[2]!;
    if (reserves[3]! < out.hi) out.hi = reserves[3]!;
    if (!foldPool(out, reserves[0]!, reserves[1]!, pools.fee[p]!)) return false;
  }
  return true;
}

/**
 * Pool p's bound reserves one way at tick window `window`, into `out`: [0] input, [1] output,
 * [2 .. 3] the windows with the same values (a V3 pool through its bound pool,
 * `V3LiquidityBound.floatReserves`; a V2 pool, or any pool without a V3 bound, the table's floats
 * of its bigint reserves, the same at every window).
 */
export function boundReserves(pools: PoolTable, v3Bound: V3LiquidityBound | undefined, p: number, zeroForOne: boolean, window: number, out: Float64Array): void {
  if (pools.kind[p] !== KIND_V2 && v3Bound !== undefined) {
    v3Bound.floatReserves(p, zeroForOne, window, out);
    return;
  }
  // `Number` of each bigint reserve, kept by `setReserves`.
  out[0] = pools.reserveF[2 * p + (zeroForOne ? 0 : 1)]!;
  out[1] = pools.reserveF[2 * p + (zeroForOne ? 1 : 0)]!;
  out[2] = -Infinity;
  out[3] = Infinity;
}

/**
 * Folds one pool's bound reserves (input `rIn`, output `rOut`, fee in pips) into a hop's
 * dominating pool: the largest output reserve (`out.most`) and the best marginal rate net of fee
 * (`out.rate`). A pool paying nothing adds nothing; false when it quotes from an empty input
 * reserve (no float bound).
 */
export function foldPool(out: DominatingHop, rIn: number, rOut: number, feePips: number): boolean {
  if (!(rOut > 0)) return true;
  if (!(rIn > 0)) return false;
  const gain = 1 - feePips / 1e6;
  if (gain <= 0) return true;
  if (rOut > out.most) out.most = rOut;
  const rate = (gain * rOut) / rIn;
  if (rate > out.rate) out.rate = rate;
  return true;
}

/**
 * `pathGroupBound` in floats, as a ranking key never below it: the same dominating pool per hop
 * (largest output reserve, best marginal rate; a V3 pool through its bound pool), composed by
 * `DominatingPools`. A block re-bounds every path group through a changed pool, and the bigint
 * pass (a division per pool and hop) was most of the V3-heavy universe's refresh. Returns 0 when
 * no member can profit, undefined when a float leaves its range or a hop has no bound (then
 * `pathGroupBound` decides). Computed here from scratch; the scanner keeps each hop's part
 * between blocks (path-group-keys.ts, which gives the same key).
 */
export function pathGroupKey(
  groups: PathGroups,
  g: number,
  stride: number,
  pools: PoolTable,
  v3Bound: V3LiquidityBound | undefined,
  flashFeePips: number,
  maxIn: number,
): number | undefined {
  const hops = groups.hops[g]!;
  const logSum = bestLogSum(groups, g, stride, pools);
  if (!(logSum > 0)) return 0;
  const window = tickWindow(logSum);
  const route = composition.reset();
  for (let h = 0; h < hops; h++) {
    if (!dominatingHop(groups, g, stride, h, pools, v3Bound, window, hop)) return undefined;
    if (hop.most === 0) return 0;
    route.add(hop.most, hop.rate);
  }
  return route.key(flashFeePips, maxIn);
}

/** Scratch of `pathGroupKey` and `dominatingHop`: the composition, one hop, one pool's (input, output) reserves and window span. */
const composition = new DominatingPools();
const hop: DominatingHop = { most: 0, rate: 0, lo: 0, hi: 0 };
const reserves = new Float64Array(4);

/**
 * An upper bound of the profit of every cycle of a path group (path-groups.ts), in one pass over
 * its distinct pools per hop instead of one bound per pool combination.
 *
 * Why it holds. Each hop's pool p pays at most g·R_out·x / (1e6·R_in + g·x) for input x (a V2
 * pool exactly, its integer output below it; a V3 pool through its bound pool, v3-bound.ts).
 * A fee-free constant-product pool with Rmax = max R_out and Rmax/Rin_min ≥ every pool's marginal rate
 * g·R_out/(1e6·R_in) pays at least as much as any of them at every x: 1/out = 1e6·R_in/(g·R_out·x)
 * + 1/R_out, and both terms only shrink. Composing those dominating pools (each map monotone)
 * bounds the output of every combination at every input, so `profitUpperBound` of the composed
 * pool, at the group's cheapest flash fee and the base's cap, bounds every member's profit. A V3
 * pool's bound pool covers the liquidity within the ticks its price can move before the route's
 * slope falls below 1; the window is taken from the group's largest rates (the sum over hops of
 * the best log rate), at least each member's own, so each bound pool is at least the member's.
 *
 * Returns 0n when no member can profit (the best rates compose to at most the flash fee factor),
 * or undefined when a hop's best rate is unbounded (a pool quoting from an empty input reserve):
 * the group must then be looked at whole.
 */
export function pathGroupBound(
  groups: PathGroups,
  g: number,
  stride: number,
  pools: PoolTable,
  v3: V3States | undefined,
  v3Bound: V3LiquidityBound | undefined,
  flashFeePips: bigint,
  maxIn: bigint,
): bigint | undefined {
  const hops = groups.hops[g]!;
  const logSum = bestLogSum(groups, g, stride, pools);
  if (!(logSum > 0)) return 0n;
  const window = tickWindow(logSum);
  const reserveIn: bigint[] = [];
  const reserveOut: bigint[] = [];
  for (let h = 0; h < hops; h++) {
    // Per pool: (g·R_out, 1e6·R_in, R_out). The dominating pool: Rmax = max R_out, Rin_min = min Rmax·1e6·R_in / (g·R_out), rounded down.
    let most = 0n;
    const rates: [bigint, bigint, bigint][] = [];
    for (let i = groups.poolStart[g * stride + h]!; i < groups.poolStart[g * stride + h + 1]!; i++) {
      const p = groups.pools[i]!;
      const zeroForOne = groups.zeroForOne[i] === 1;
      let rIn: bigint;
      let rOut: bigint;
      if (pools.kind[p] === KIND_V2 || v3 === undefined || v3Bound === undefined) {
        rIn = zeroForOne ? pools.reserve0[p]! : pools.reserve1[p]!;
        rOut = zeroForOne ? pools.reserve1[p]! : pools.reserve0[p]!;
      } else {
        // The bound pool of v3-bound.ts: virtual reserves L'/s and L'·s, input down, output up.
        const liquidity = v3Bound.liquidityWithin(p, zeroForOne, window);
        const sqrtPrice = v3.get(p).sqrtPriceX96;
        rIn = zeroForOne ? (liquidity * Q96) / sqrtPrice : (liquidity * sqrtPrice) / Q96;
        rOut = zeroForOne ? ceilDiv(liquidity * sqrtPrice, Q96) : ceilDiv(liquidity * Q96, sqrtPrice);
      }
      // A pool paying nothing adds nothing; one quoting from an empty input reserve has no bound.
      if (rOut <= 0n) continue;
      if (rIn <= 0n) return undefined;
      const gain = PIPS - BigInt(pools.fee[p]!);
      if (gain <= 0n) continue;
      if (rOut > most) most = rOut;
      rates.push([gain * rOut, PIPS * rIn, rOut]);
    }
    if (most === 0n) return 0n;
    let least: bigint | undefined;
    for (const [num, den] of rates) {
      const rIn = (most * den) / num;
      if (least === undefined || rIn < least) least = rIn;
    }
    if (least === undefined || least <= 0n) return undefined;
    reserveIn.push(least);
    reserveOut.push(most);
  }
  const fee = new Int32Array(hops);
  return profitUpperBound(composeV2({ hops, fee, reserveIn, reserveOut }), flashFeePips, maxIn);
}
