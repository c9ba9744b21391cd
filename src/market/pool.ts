import type { PoolSnapshot } from './snapshot.ts';
import { V2Pool } from './v2-pool.ts';
import { V3Pool } from './v3-pool.ts';

export type { PoolQuote } from './pool-quote.ts';
export { V2Pool } from './v2-pool.ts';
export { V3Pool } from './v3-pool.ts';

/** Any pool model: narrow on `protocol`. Both quote with quoteExactIn / quoteExactOut and applySwap. */
export type Pool = V2Pool | V3Pool;

/** The pool model for a snapshot pool (its state is copied; the snapshot is not kept). */
export function createPool(snapshot: PoolSnapshot): Pool {
  return snapshot.protocol === 'uniswap-v2' ? new V2Pool(snapshot) : new V3Pool(snapshot);
}

/** Pool models for every pool of a snapshot, keyed by lower-case address. */
export function createPools(pools: readonly PoolSnapshot[]): Map<string, Pool> {
  const out = new Map<string, Pool>();
  for (const p of pools) out.set(p.address, createPool(p));
  return out;
}
