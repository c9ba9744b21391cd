import { InputError } from '../errors.ts';
import type { HexAddress, SnapshotToken } from './snapshot.ts';

/**
 * What a pool model answers for a swap: exact amounts in base units, and for V3 the state the
 * pool would be left in. Shared by the V2 and V3 models so callers handle both the same way.
 */

/** An exact quote on one pool, computed on the pool's state at the time of the call. */
export interface PoolQuote {
  pool: HexAddress;
  tokenIn: HexAddress;
  tokenOut: HexAddress;
  /** What the pool takes (for an exact-input quote, less than asked only if the price range ran out). */
  amountIn: bigint;
  /** What the pool pays out. */
  amountOut: bigint;
  /** V3 only: the pool's state after the swap. */
  sqrtPriceX96After?: bigint;
  tickAfter?: number;
  liquidityAfter?: bigint;
  /** V3 only: initialized ticks the swap crosses. */
  initializedTicksCrossed?: number;
}

/** Whether `tokenIn` is token0 of the pool (case-insensitive); throws InputError naming both if neither. */
export function isToken0In(pool: { address: HexAddress; token0: SnapshotToken; token1: SnapshotToken }, tokenIn: string): boolean {
  const t = tokenIn.toLowerCase();
  if (t === pool.token0.address) return true;
  if (t === pool.token1.address) return false;
  throw new InputError(
    `token ${tokenIn} is not in pool ${pool.address} (tokens ${pool.token0.address} ${pool.token0.symbol}, ${pool.token1.address} ${pool.token1.symbol})`,
    { details: { pool: pool.address, token: tokenIn } },
  );
}

/** Rejects an amount that is not a positive integer, naming the field and the pool. */
export function checkPositive(amount: bigint, field: string, pool: HexAddress): void {
  if (amount <= 0n) throw new InputError(`${field} must be a positive integer, got ${amount} (pool ${pool})`, { details: { pool, field, value: String(amount) } });
}
