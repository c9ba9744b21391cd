import { lastIndexAtOrBelow, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import type { Route } from './route.ts';
import type { StampedV3States } from './v3-states.ts';

/** Liquidity ranges a swap crosses merged into one coarse range. */
export const COARSE_RANGES = 4;

/**
 * Each V3 pool seen in one swap direction as a pool with fewer, wider liquidity ranges, each
 * holding the largest liquidity of the real ranges it merges: the piecewise walk over it gives a
 * bound of the walk bound (sizing-piecewise.ts) in a few regions instead of one per tick crossed
 * (~25 on the V3-heavy universe, whose pools copy real tick maps: most of a walk's cost).
 *
 * Why it bounds. A V3 pool whose liquidity is L'(s) ≥ L(s) at every price s a swap passes moves
 * its price more slowly per unit of input and pays at least as much for every input (v3-bound.ts:
 * the marginal rate depends on the price alone). Here L' is, on each run of COARSE_RANGES ranges
 * in the swap's direction, the largest liquidity among them, and beyond the last initialized tick
 * that range's own liquidity: so L' ≥ L at every price from the current one to the price limit.
 * Every hop so replaced pays at least as much at every input, each hop's output is monotone in
 * its input, so the route's output and its best real profit are at least the real route's; the
 * walk's real optimum over it (plus the walk's float slack and boundary error) bounds every
 * integer profit of the real route.
 *
 * States are kept per pool and direction for the pool's current tick, liquidity and tick map
 * (the price inside a range moves alone: copied on every read).
 */
export class CoarseLiquidity implements StampedV3States {
  /**
   * Per pool and direction (2·pool + zeroForOne): the coarse state and the real state's
   * `shapeStamp` it was built for. Arrays, not Maps: a walk bound reads every V3 hop
   * here, and the V3-heavy universe's heaviest blocks run ~300 coarse walks, each mostly set-up.
   */
  private readonly kept: (Coarse | undefined)[] = [];
  /** The loaded route's pools and directions (the walk asks by pool; a route has at most 4 hops). */
  private readonly routePool = new Int32Array(4);
  private readonly routeZeroForOne = new Uint8Array(4);
  private routeHops = 0;

  constructor(private readonly states: StampedV3States) {}

  /** Sets the directions of the route about to be walked. */
  load(route: Route): void {
    this.routeHops = route.hops;
    for (let h = 0; h < route.hops; h++) {
      this.routePool[h] = route.pool[h]!;
      this.routeZeroForOne[h] = route.zeroForOne[h]!;
    }
  }

  /** A coarse state changes with the real one's tick, liquidity or tick map: the real stamps serve. */
  shapeStamp(pool: number): number {
    return this.states.shapeStamp(pool);
  }

  stateStamp(pool: number): number {
    return this.states.stateStamp(pool);
  }

  get(pool: number): Readonly<V3SwapPool> {
    // The last hop through the pool decides, as a Map set hop by hop did.
    let h = this.routeHops - 1;
    while (h >= 0 && this.routePool[h] !== pool) h--;
    if (h < 0) return this.states.get(pool);
    const zeroForOne = this.routeZeroForOne[h] === 1;
    const key = 2 * pool + (zeroForOne ? 1 : 0);
    let kept = key < this.kept.length ? this.kept[key] : undefined;
    if (kept === undefined || kept.shape !== this.states.shapeStamp(pool)) {
      kept = { shape: this.states.shapeStamp(pool), stamp: -1, state: coarsen(this.states.get(pool), zeroForOne) };
      // Grown with explicit holes filled, so the array stays packed.
      while (this.kept.length <= key) this.kept.push(undefined);
      this.kept[key] = kept;
    }
    // The real state is read only when it changed (its price alone, within the range).
    const stamp = this.states.stateStamp(pool);
    if (kept.stamp !== stamp) {
      kept.stamp = stamp;
      kept.state.sqrtPriceX96 = this.states.get(pool).sqrtPriceX96;
    }
    return kept.state;
  }
}

/** A coarse state, the real state's `shapeStamp` (its tick, liquidity and tick map) it was built for, and its `stateStamp` when the price was copied. */
interface Coarse {
  shape: number;
  stamp: number;
  state: V3SwapPool;
}

/**
 * The pool from its current state in one direction with every COARSE_RANGES ranges the swap
 * crosses merged, each at the largest liquidity among them. Its ticks are a subset of the real
 * ones (every COARSE_RANGES-th crossed), its liquidityNet what crossing them gives (the walk and
 * the swap loop add it going up, subtract it going down).
 */
export function coarsen(state: Readonly<V3SwapPool>, zeroForOne: boolean): V3SwapPool {
  const { ticks, liquidityNet } = state;
  // The real liquidities a swap meets: met[0] the current range, met[i] after i crossings.
  const crossed: number[] = [];
  const met: bigint[] = [state.liquidity];
  let liquidity = state.liquidity;
  const first = lastIndexAtOrBelow(ticks, state.tick);
  if (zeroForOne) {
    for (let j = first; j >= 0; j--) {
      liquidity -= liquidityNet[j]!;
      crossed.push(j);
      met.push(liquidity);
    }
  } else {
    for (let j = first + 1; j < ticks.length; j++) {
      liquidity += liquidityNet[j]!;
      crossed.push(j);
      met.push(liquidity);
    }
  }
  // Coarse range r covers met[r·C .. (r+1)·C − 1] (the last one to the end); it ends at the crossing of index (r+1)·C − 1.
  const boundaries: number[] = [];
  const levels: bigint[] = [];
  for (let from = 0; from < met.length; from += COARSE_RANGES) {
    const to = Math.min(met.length, from + COARSE_RANGES);
    let most = met[from]!;
    for (let i = from + 1; i < to; i++) if (met[i]! > most) most = met[i]!;
    levels.push(most);
    if (to < met.length) boundaries.push(crossed[to - 1]!);
  }
  const coarseTicks: number[] = [];
  const coarseNet: bigint[] = [];
  for (let r = 0; r < boundaries.length; r++) {
    coarseTicks.push(ticks[boundaries[r]!]!);
    // Crossing from level r into level r + 1: down subtracts the net, up adds it.
    coarseNet.push(zeroForOne ? levels[r]! - levels[r + 1]! : levels[r + 1]! - levels[r]!);
  }
  if (zeroForOne) {
    coarseTicks.reverse();
    coarseNet.reverse();
  }
  return {
    fee: state.fee,
    tickSpacing: state.tickSpacing,
    sqrtPriceX96: state.sqrtPriceX96,
    tick: state.tick,
    liquidity: levels[0]!,
    ticks: Int32Array.from(coarseTicks),
    liquidityNet: coarseNet,
  };
}
