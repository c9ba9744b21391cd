import { AmmError } from '../amm/errors.ts';
import { getAmountIn, getAmountOut } from '../amm/uniswap-v2.ts';
import { checkPositive, isToken0In, type PoolQuote } from './pool-quote.ts';
import type { HexAddress, SnapshotToken, V2PoolSnapshot } from './snapshot.ts';

/**
 * A Uniswap V2 pair (or a fork with another fee) as a quoting model: its reserves are public
 * state, set from a snapshot and then kept current by whoever applies Sync logs or swaps.
 */
export class V2Pool {
  /** Protocol tag, as in the snapshot. */
  readonly protocol = 'uniswap-v2' as const;
  /** Pair address, lower case. */
  readonly address: HexAddress;
  /** Fee in pips (3000 = 0.30 %). */
  readonly fee: number;
  readonly token0: SnapshotToken;
  readonly token1: SnapshotToken;
  /** Reserve of token0 in base units (what the pair's getReserves reports). */
  reserve0: bigint;
  /** Reserve of token1 in base units. */
  reserve1: bigint;

  constructor(snapshot: V2PoolSnapshot) {
    this.address = snapshot.address;
    this.fee = snapshot.fee;
    this.token0 = { ...snapshot.token0 };
    this.token1 = { ...snapshot.token1 };
    this.reserve0 = snapshot.reserve0;
    this.reserve1 = snapshot.reserve1;
  }

  /** Exact output for `amountIn` of `tokenIn`, as the router computes it. */
  quoteExactIn(tokenIn: string, amountIn: bigint): PoolQuote {
    const zeroIn = isToken0In(this, tokenIn);
    checkPositive(amountIn, 'amountIn', this.address);
    const [rIn, rOut] = zeroIn ? [this.reserve0, this.reserve1] : [this.reserve1, this.reserve0];
    const amountOut = this.guard(() => getAmountOut(amountIn, rIn, rOut, this.fee));
    return this.quote(zeroIn, amountIn, amountOut);
  }

  /** Exact input of `tokenIn` needed to receive `amountOut` of the other token, as the router computes it. */
  quoteExactOut(tokenIn: string, amountOut: bigint): PoolQuote {
    const zeroIn = isToken0In(this, tokenIn);
    checkPositive(amountOut, 'amountOut', this.address);
    const [rIn, rOut] = zeroIn ? [this.reserve0, this.reserve1] : [this.reserve1, this.reserve0];
    const amountIn = this.guard(() => getAmountIn(amountOut, rIn, rOut, this.fee));
    return this.quote(zeroIn, amountIn, amountOut);
  }

  /** Applies a quote made on this pool's current state: the reserves the pair's Sync would report. */
  applySwap(q: PoolQuote): void {
    if (q.pool !== this.address) throw new AmmError('POOL', `quote for pool ${q.pool} applied to pool ${this.address}`);
    if (q.tokenIn === this.token0.address) {
      this.reserve0 += q.amountIn;
      this.reserve1 -= q.amountOut;
    } else {
      this.reserve1 += q.amountIn;
      this.reserve0 -= q.amountOut;
    }
  }

  /** The pool as an `orion.pools/v1` entry. */
  toSnapshot(): V2PoolSnapshot {
    return { protocol: this.protocol, address: this.address, fee: this.fee, token0: { ...this.token0 }, token1: { ...this.token1 }, reserve0: this.reserve0, reserve1: this.reserve1 };
  }

  private quote(zeroIn: boolean, amountIn: bigint, amountOut: bigint): PoolQuote {
    const [tokenIn, tokenOut] = zeroIn ? [this.token0.address, this.token1.address] : [this.token1.address, this.token0.address];
    return { pool: this.address, tokenIn, tokenOut, amountIn, amountOut };
  }

  // Math errors carry the reserves but not the pool: name it, since a scan quotes thousands.
  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof AmmError) throw new AmmError(e.reason, `pool ${this.address}: ${e.message}`, { pool: this.address, ...e.details });
      throw e;
    }
  }
}
