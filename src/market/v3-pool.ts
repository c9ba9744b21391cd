import { AmmError } from '../amm/errors.ts';
import { lastIndexAtOrBelow, swap, type V3SwapPool, type V3SwapResult } from '../amm/uniswap-v3/pool.ts';
import { getTickAtSqrtRatio, MAX_TICK, MIN_TICK } from '../amm/uniswap-v3/tick-math.ts';
import { checkPositive, isToken0In, type PoolQuote } from './pool-quote.ts';
import type { HexAddress, SnapshotToken, TickEntry, V3PoolSnapshot } from './snapshot.ts';

/**
 * A Uniswap V3 pool as a quoting model. It is itself the V3SwapPool the swap loop reads, so a
 * quote copies nothing. State (price, tick, liquidity, the sorted tick arrays) is public for the
 * chain monitor to keep current; setTick keeps the two tick arrays aligned and sorted.
 */
export class V3Pool implements V3SwapPool {
  /** Protocol tag, as in the snapshot. */
  readonly protocol = 'uniswap-v3' as const;
  /** Pool address, lower case. */
  readonly address: HexAddress;
  /** Fee in pips (500 = 0.05 %). */
  readonly fee: number;
  readonly tickSpacing: number;
  readonly token0: SnapshotToken;
  readonly token1: SnapshotToken;
  /** slot0.sqrtPriceX96. */
  sqrtPriceX96: bigint;
  /** slot0.tick (kept as given: at a tick boundary it may be one below getTickAtSqrtRatio). */
  tick: number;
  /** Active liquidity. */
  liquidity: bigint;
  /** Initialized ticks, strictly increasing. */
  ticks: Int32Array;
  /** liquidityNet per entry of `ticks`. */
  liquidityNet: bigint[];
  /**
   * Counts the changes of the tick map (`setTick`): whoever hands the pool's state on can tell a
   * Swap (price, tick and liquidity only) from a Mint or Burn without comparing the map.
   */
  tickMapVersion = 0;
  /** Memo of the sqrt ratio of initialized ticks the swap loop has reached (keyed by tick). */
  readonly sqrtRatioCache = new Map<number, bigint>();

  constructor(snapshot: V3PoolSnapshot) {
    this.address = snapshot.address;
    this.fee = snapshot.fee;
    this.tickSpacing = snapshot.tickSpacing;
    this.token0 = { ...snapshot.token0 };
    this.token1 = { ...snapshot.token1 };
    this.sqrtPriceX96 = snapshot.sqrtPriceX96;
    this.tick = snapshot.tick;
    this.liquidity = snapshot.liquidity;
    const priceTick = getTickAtSqrtRatio(snapshot.sqrtPriceX96);
    // The pool's tick is getTickAtSqrtRatio(price), or one below right after crossing down onto a tick.
    if (snapshot.tick !== priceTick && snapshot.tick !== priceTick - 1) {
      this.fail('tick', `${snapshot.tick} does not match sqrtPriceX96 ${snapshot.sqrtPriceX96} (tick ${priceTick})`);
    }
    this.ticks = new Int32Array(snapshot.ticks.length);
    this.liquidityNet = new Array<bigint>(snapshot.ticks.length);
    snapshot.ticks.forEach((t, i) => {
      this.checkTick(t.tick);
      if (i > 0 && t.tick <= this.ticks[i - 1]!) this.fail('ticks', `not strictly increasing at ${t.tick}`);
      this.ticks[i] = t.tick;
      this.liquidityNet[i] = t.liquidityNet;
    });
  }

  /** Exact output for `amountIn` of `tokenIn`, as QuoterV2.quoteExactInputSingle with no price limit. */
  quoteExactIn(tokenIn: string, amountIn: bigint, sqrtPriceLimitX96?: bigint): PoolQuote {
    const zeroForOne = isToken0In(this, tokenIn);
    checkPositive(amountIn, 'amountIn', this.address);
    return this.quote(zeroForOne, this.swap(zeroForOne, amountIn, sqrtPriceLimitX96));
  }

  /**
   * Exact input of `tokenIn` for `amountOut` of the other token, as QuoterV2.quoteExactOutputSingle:
   * an output the pool cannot fully pay within its price range throws AmmError 'LIQUIDITY'.
   */
  quoteExactOut(tokenIn: string, amountOut: bigint, sqrtPriceLimitX96?: bigint): PoolQuote {
    const zeroForOne = isToken0In(this, tokenIn);
    checkPositive(amountOut, 'amountOut', this.address);
    const result = this.swap(zeroForOne, -amountOut, sqrtPriceLimitX96);
    const paid = -(zeroForOne ? result.amount1 : result.amount0);
    if (paid < amountOut && sqrtPriceLimitX96 === undefined) {
      throw new AmmError('LIQUIDITY', `pool ${this.address}: exact-out amount ${amountOut} is beyond its liquidity (at most ${paid} can be bought)`, {
        pool: this.address, amountOut, available: paid,
      });
    }
    return this.quote(zeroForOne, result);
  }

  /** Runs the swap loop on the current state (Uniswap's sign convention) without changing it. */
  swap(zeroForOne: boolean, amountSpecified: bigint, sqrtPriceLimitX96?: bigint): V3SwapResult {
    try {
      return swap(this, zeroForOne, amountSpecified, sqrtPriceLimitX96);
    } catch (e) {
      if (e instanceof AmmError) throw new AmmError(e.reason, `pool ${this.address}: ${e.message}`, { pool: this.address, ...e.details });
      throw e;
    }
  }

  /** Applies a quote made on this pool's current state: slot0 and liquidity as the pool leaves them. */
  applySwap(q: PoolQuote): void {
    if (q.pool !== this.address || q.sqrtPriceX96After === undefined || q.tickAfter === undefined || q.liquidityAfter === undefined) {
      throw new AmmError('POOL', `quote for pool ${q.pool} is not a V3 quote of pool ${this.address}`);
    }
    this.sqrtPriceX96 = q.sqrtPriceX96After;
    this.tick = q.tickAfter;
    this.liquidity = q.liquidityAfter;
  }

  /** Sets the liquidityNet of an initialized tick, inserts it, or removes it (`undefined`). */
  setTick(tick: number, liquidityNet: bigint | undefined): void {
    this.checkTick(tick);
    const i = lastIndexAtOrBelow(this.ticks, tick);
    const present = i >= 0 && this.ticks[i] === tick;
    if (liquidityNet !== undefined && present) {
      if (this.liquidityNet[i] === liquidityNet) return;
      this.liquidityNet[i] = liquidityNet;
      this.tickMapVersion++;
      return;
    }
    if (liquidityNet === undefined && !present) return;
    this.tickMapVersion++;
    const ticks = Array.from(this.ticks);
    if (liquidityNet === undefined) {
      ticks.splice(i, 1);
      this.liquidityNet.splice(i, 1);
    } else {
      ticks.splice(i + 1, 0, tick);
      this.liquidityNet.splice(i + 1, 0, liquidityNet);
    }
    this.ticks = Int32Array.from(ticks);
  }

  /** The tick map as `orion.pools/v1` entries (a copy). */
  tickEntries(): TickEntry[] {
    return Array.from(this.ticks, (tick, i) => ({ tick, liquidityNet: this.liquidityNet[i]! }));
  }

  /** The pool as an `orion.pools/v1` entry. */
  toSnapshot(): V3PoolSnapshot {
    const ticks = this.tickEntries();
    return {
      protocol: this.protocol, address: this.address, fee: this.fee, tickSpacing: this.tickSpacing,
      token0: { ...this.token0 }, token1: { ...this.token1 },
      sqrtPriceX96: this.sqrtPriceX96, liquidity: this.liquidity, tick: this.tick, ticks,
    };
  }

  private quote(zeroForOne: boolean, r: V3SwapResult): PoolQuote {
    const [tokenIn, tokenOut] = zeroForOne ? [this.token0.address, this.token1.address] : [this.token1.address, this.token0.address];
    return {
      pool: this.address, tokenIn, tokenOut,
      amountIn: zeroForOne ? r.amount0 : r.amount1,
      amountOut: -(zeroForOne ? r.amount1 : r.amount0),
      sqrtPriceX96After: r.sqrtPriceX96, tickAfter: r.tick, liquidityAfter: r.liquidity,
      initializedTicksCrossed: r.initializedTicksCrossed,
    };
  }

  private checkTick(tick: number): void {
    if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK || tick % this.tickSpacing !== 0) {
      this.fail('ticks', `tick ${tick} is not a multiple of tickSpacing ${this.tickSpacing} within [${MIN_TICK}, ${MAX_TICK}]`);
    }
  }

  private fail(field: string, problem: string): never {
    throw new AmmError('POOL', `pool ${this.address}: field "${field}" ${problem}`, { pool: this.address, field });
  }
}
