import { AmmError } from '../amm/errors.ts';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import type { PoolSnapshot, TickEntry } from '../market/snapshot.ts';
import { KIND_V3, type PoolTable } from './pool-table.ts';
import type { V3Quoter } from './v3-hop.ts';

const Q96 = 1n << 96n;
const LN_Q96 = 96 * Math.LN2;
/** Steps of the linear walk before `minIn` falls back to bisection. */
const MIN_IN_WALK = 4;

/** The mutable state of a V3 pool the chain monitor reports (Swap, Mint and Burn logs). */
export interface V3State {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** The tick map: when it changed (Mint/Burn), or the same map again (kept as it is: `sameTickMap`); may be omitted after a Swap. */
  ticks?: readonly TickEntry[];
}

/**
 * Whether `ticks` is the map `pool` holds already. The engine hands a V3 pool's tick map on only
 * after a Mint or Burn (src/engine/market-stage.ts), but the replay hands it on with every change
 * (src/replay/replay.ts): keeping the same arrays when nothing in the map moved keeps what is
 * cached per tick map (a lender's capacity sums, v3-lender-capacity.ts: O(ticks) bigint math,
 * ~4 ms on a dense devnet map) from being rebuilt on every swap. Comparing is a pass of integer
 * compares.
 */
function sameTickMap(pool: Readonly<V3SwapPool>, ticks: readonly TickEntry[]): boolean {
  if (pool.ticks.length !== ticks.length) return false;
  for (let j = 0; j < ticks.length; j++) {
    if (pool.ticks[j] !== ticks[j]!.tick || pool.liquidityNet[j] !== ticks[j]!.liquidityNet) return false;
  }
  return true;
}

/**
 * The V3 pools of the scanner's table, quoted with the AMM engineer's swap loop (never a copy).
 * Besides exact quotes, each pool's state feeds the table: the log-rate for the screen, from
 * the price, and the virtual reserves of the current range (L/√P, L·√P), which make the hop a
 * constant-product pool as long as the swap stays in range: the seed of the sizing.
 */
export class V3Pools implements V3Quoter {
  /** Per pool of the table: its state, undefined for a V2 pool (an array: read for every V3 hop of every cycle evaluated, where a Map lookup showed). */
  private readonly state: (V3SwapPool | undefined)[];
  /** Per pool: `shapeStamp` and `stateStamp` (V3States), each a fresh value of `stamps` when it changes. */
  private readonly shape: Float64Array;
  private readonly stamp: Float64Array;
  private stamps = 0;

  constructor(private readonly table: PoolTable, pools: readonly PoolSnapshot[]) {
    this.state = new Array<V3SwapPool | undefined>(pools.length).fill(undefined);
    this.shape = new Float64Array(pools.length);
    this.stamp = new Float64Array(pools.length);
    pools.forEach((pool, i) => {
      if (pool.protocol !== 'uniswap-v3') return;
      this.state[i] = {
        fee: pool.fee, tickSpacing: pool.tickSpacing, sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity,
        ticks: Int32Array.from(pool.ticks, (t) => t.tick), liquidityNet: pool.ticks.map((t) => t.liquidityNet),
        // getSqrtRatioAtTick of initialized ticks, memoized by the swap loop (a pure function of
        // the tick, so a new tick map never makes it wrong): 10 % of a V3-heavy block's CPU before.
        sqrtRatioCache: new Map(),
      };
      this.sync(i);
    });
  }

  /** New state for pool `i`; the caller marks it changed in the scanner. */
  set(i: number, update: V3State): void {
    const pool = this.pool(i);
    let reshaped = pool.tick !== update.tick || pool.liquidity !== update.liquidity;
    pool.sqrtPriceX96 = update.sqrtPriceX96;
    pool.tick = update.tick;
    pool.liquidity = update.liquidity;
    if (update.ticks !== undefined && !sameTickMap(pool, update.ticks)) {
      pool.ticks = Int32Array.from(update.ticks, (t) => t.tick);
      pool.liquidityNet = update.ticks.map((t) => t.liquidityNet);
      reshaped = true;
    }
    this.stamp[i] = ++this.stamps;
    if (reshaped) this.shape[i] = this.stamps;
    this.sync(i);
  }

  shapeStamp(i: number): number {
    return this.shape[i]!;
  }

  stateStamp(i: number): number {
    return this.stamp[i]!;
  }

  /** The current state of V3 pool `i` (read-only: change it through `set`). */
  get(i: number): Readonly<V3SwapPool> {
    return this.pool(i);
  }

  exactIn(i: number, zeroForOne: boolean, amountIn: bigint): bigint {
    const result = this.trySwap(i, zeroForOne, amountIn);
    if (result === undefined) return 0n;
    // A pool that runs out of liquidity takes only part of the input and pays what it has: the
    // output stays monotone in the input (the sizing relies on it), and since more input then
    // buys nothing more, no such size is ever the optimum.
    return -(zeroForOne ? result.amount1 : result.amount0);
  }

  minIn(i: number, zeroForOne: boolean, amountOut: bigint): bigint {
    const result = this.trySwap(i, zeroForOne, -amountOut);
    if (result === undefined) return -1n;
    if (-(zeroForOne ? result.amount1 : result.amount0) < amountOut) return -1n;
    // Exact-output rounding is not exact-input rounding: settle on the least input that suffices.
    let x = zeroForOne ? result.amount0 : result.amount1;
    for (let k = 0; k < MIN_IN_WALK && this.exactIn(i, zeroForOne, x) < amountOut; k++) x++;
    if (this.exactIn(i, zeroForOne, x) < amountOut) return this.bisect(i, zeroForOne, amountOut, x, x * 2n + 1n);
    for (let k = 0; k < MIN_IN_WALK && x > 1n && this.exactIn(i, zeroForOne, x - 1n) >= amountOut; k++) x--;
    if (x > 1n && this.exactIn(i, zeroForOne, x - 1n) >= amountOut) return this.bisect(i, zeroForOne, amountOut, 1n, x);
    return x;
  }

  /** Least x in (lo, hi] with exactIn(x) >= amountOut, given exactIn(hi) suffices (else -1n). */
  private bisect(i: number, zeroForOne: boolean, amountOut: bigint, lo: bigint, hi: bigint): bigint {
    if (this.exactIn(i, zeroForOne, hi) < amountOut) return -1n;
    let low = lo - 1n;
    let high = hi;
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if (this.exactIn(i, zeroForOne, mid) >= amountOut) high = mid;
      else low = mid;
    }
    return high;
  }

  private trySwap(i: number, zeroForOne: boolean, amount: bigint): ReturnType<typeof swap> | undefined {
    try {
      return swap(this.pool(i), zeroForOne, amount);
    } catch (error) {
      // At the edge of the price range the pool refuses any swap that way (SPL): no quote.
      if (error instanceof AmmError) return undefined;
      throw error;
    }
  }

  private pool(i: number): V3SwapPool {
    const pool = this.state[i];
    if (pool === undefined) throw new RangeError(`pool ${i} is not a V3 pool of the scanner`);
    return pool;
  }

  /** Refreshes the table's log-rates and virtual reserves of pool i from its state. */
  private sync(i: number): void {
    const pool = this.pool(i);
    const { table } = this;
    if (table.kind[i] !== KIND_V3) throw new RangeError(`pool ${i} is not V3 in the table`);
    const lnPrice = 2 * (Math.log(Number(pool.sqrtPriceX96)) - LN_Q96);
    const lnFee = Math.log1p(-pool.fee / 1e6);
    // The current price is the best marginal rate a swap can get (output is concave in input),
    // even with no liquidity in range, so the screen may rely on it either way.
    table.logRate[2 * i] = lnPrice + lnFee;
    table.logRate[2 * i + 1] = -lnPrice + lnFee;
    const reserve0 = (pool.liquidity * Q96) / pool.sqrtPriceX96;
    const reserve1 = (pool.liquidity * pool.sqrtPriceX96) / Q96;
    table.reserve0[i] = reserve0;
    table.reserve1[i] = reserve1;
    table.sqrtPriceX96[i] = pool.sqrtPriceX96;
    table.reserveF[2 * i] = Number(reserve0);
    table.reserveF[2 * i + 1] = Number(reserve1);
  }
}
