import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';

/** Where the sizing and the bound read V3 pool states (the scanner's V3Pools): read-only. */
export interface V3States {
  get(pool: number): Readonly<V3SwapPool>;
}
