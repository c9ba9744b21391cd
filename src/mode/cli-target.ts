import type { Config } from '../config.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { relaysToCheck, type ValidationTarget } from './checks.ts';

/**
 * What `orion mode validate` (a separate process) validates against: the followed chain of
 * ORION_RPC_URLS with ORION_EXECUTOR_ADDRESS. The embedded chain lives inside the running
 * server, so there the answer is where to validate instead.
 */
export async function cliValidationTarget(config: Config): Promise<ValidationTarget | string> {
  const rpcUrl = config.rpcUrls[0];
  if (rpcUrl === undefined) {
    return 'the embedded local chain runs inside the server: validate through the running instance (POST /api/v1/mode/validate as an admin), or set ORION_RPC_URLS to a chain this command can reach';
  }
  const snapshot = config.snapshot === undefined ? undefined : await readSnapshotFile(config.snapshot);
  return { config, rpcUrl, expectedChainId: snapshot?.snapshot.chainId, executor: config.executorAddress, relayUrls: relaysToCheck(config) };
}
