/**
 * Exact quotes of concentrated-liquidity hops, by pool number of the scanner's table. The
 * implementation wraps the market's V3 pool models; the route evaluator only needs these two.
 */
export interface V3Quoter {
  /** Output for an exact input through pool `pool` (0 when the pool cannot fill any of it). */
  exactIn(pool: number, zeroForOne: boolean, amountIn: bigint): bigint;
  /** Least input whose output is >= `amountOut`, or -1n when the pool cannot deliver it. */
  minIn(pool: number, zeroForOne: boolean, amountOut: bigint): bigint;
}
