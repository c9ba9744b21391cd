import type { Config } from '../config.ts';
import type { HexAddress, PoolSnapshot, Snapshot } from '../market/snapshot.ts';
import { marketBaseTokens } from '../scanner/base-tokens.ts';
import { liquidityFloorFromText, type LiquidityFloorResult } from '../scanner/liquidity-floor.ts';

/**
 * Which pools the engine follows and which base tokens it trades from, for a configuration and
 * a market: the platform starts the engine with these, and live mode's pre-flight `limits`
 * check (src/mode/checks.ts) asks the same functions which tokens need a loss limit, from the
 * running server or from `orion mode validate` in a separate process.
 */

/** ORION_BASE_TOKENS as the engine's scanner takes them: addresses or symbols, in the order given. */
export function configuredBaseTokens(config: Pick<Config, 'baseTokens'>): string[] {
  return config.baseTokens.map((token) => (token.type === 'address' ? token.address : token.symbol));
}

/** The pools the engine follows: the snapshot's at or above ORION_MIN_POOL_LIQUIDITY (junk pools make junk opportunities). */
export function followedPools(config: Pick<Config, 'minPoolLiquidity'>, snapshot: Pick<Snapshot, 'pools' | 'chainId'>): LiquidityFloorResult {
  return liquidityFloorFromText(snapshot.pools, snapshot.chainId, config.minPoolLiquidity, 'ORION_MIN_POOL_LIQUIDITY');
}

/**
 * The base tokens every route of the engine starts and ends in (lowercase addresses), as its
 * scanner chooses them from `pools` (rank-stage.ts builds it with ORION_BASE_TOKENS and the
 * next block's gas price, never zero on a chain live mode sends on). InputError as the scanner's
 * for a base the market does not have.
 */
export function engineBaseTokens(config: Pick<Config, 'baseTokens'>, pools: readonly PoolSnapshot[], chainId: number): HexAddress[] {
  return marketBaseTokens(pools, chainId, { bases: configuredBaseTokens(config), gasPriced: true });
}
