import type { Config } from '../config.ts';
import { engineBaseTokens, followedPools } from '../engine/base-tokens.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { relaysToCheck, type ValidationTarget } from './checks.ts';

/**
 * What `orion mode validate` (a separate process) validates against: the followed chain of
 * ORION_RPC_URLS with ORION_EXECUTOR_ADDRESS, and the base tokens the engine trades from in the
 * pools of ORION_SNAPSHOT above the liquidity floor (as the server resolves them). The embedded
 * chain lives inside the running server, so there the answer is where to validate instead.
 */
export async function cliValidationTarget(config: Config): Promise<ValidationTarget | string> {
  const rpcUrl = config.rpcUrls[0];
  if (rpcUrl === undefined) {
    return 'the embedded local chain runs inside the server: validate through the running instance (POST /api/v1/mode/validate as an admin), or set ORION_RPC_URLS to a chain this command can reach';
  }
  // Config refuses ORION_RPC_URLS without ORION_SNAPSHOT (the pools to follow): this only narrows the type.
  if (config.snapshot === undefined) return 'ORION_SNAPSHOT is unset: set it as for the server (its pools decide the base tokens that need a loss limit)';
  const { snapshot } = await readSnapshotFile(config.snapshot);
  const pools = followedPools(config, snapshot).kept;
  return {
    config, rpcUrl, expectedChainId: snapshot.chainId, executor: config.executorAddress, relayUrls: relaysToCheck(config),
    baseTokens: () => engineBaseTokens(config, pools, snapshot.chainId), tokens: TokenDirectory.fromPools(pools),
  };
}
