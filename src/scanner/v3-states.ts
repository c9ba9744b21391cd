import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';

/** Where the sizing and the bound read V3 pool states (the scanner's V3Pools): read-only. */
export interface V3States {
  get(pool: number): Readonly<V3SwapPool>;
}

/** V3States that say when a state changed, so what is kept per pool state can be checked cheaply. */
export interface StampedV3States extends V3States {
  /**
   * A number that changes whenever pool `pool`'s tick, liquidity or tick map changes (not when its
   * price alone moves): what is kept per pool state (a bound's reach, a walk's met liquidities, a
   * coarse state) is checked against it instead of against the state's fields. Comparing those
   * (a bigint among them) touched every pool state object a block reads: the largest lines of
   * the V3-heavy universe's heaviest blocks.
   */
  shapeStamp(pool: number): number;
  /** A number that changes whenever pool `pool`'s state changes at all (its price included). */
  stateStamp(pool: number): number;
}
