import { devnetCacheDir } from './ops/data-dir.ts';
import { redactUrl, type Config } from './config.ts';
import { startDevnet, type Devnet } from './devnet/devnet.ts';
import { readSnapshotFile, type Snapshot } from './market/snapshot.ts';
import type { Say } from './say.ts';

/** Where the engine's market comes from: the embedded chain, or endpoints given by ORION_RPC_URLS. */
export interface MarketSource {
  rpcUrls: string[];
  /** The pools to follow, with their addresses on that chain. */
  snapshot: Snapshot;
  devnet?: Devnet;
}

/** Boots the embedded local chain from the configured (or default) snapshot, with the noise flow. */
export async function startLocalChain(config: Config, say: Say): Promise<MarketSource> {
  const snapshot = config.snapshot === undefined ? undefined : (await readSnapshotFile(config.snapshot)).snapshot;
  say(`chain: starting the local chain (${snapshot === undefined ? 'default snapshot' : config.snapshot})…`);
  const devnet = await startDevnet({
    ...(snapshot === undefined ? {} : { snapshot }),
    blockTime: config.blockTime,
    cacheDir: devnetCacheDir(config.dataDir),
    // Plans are simulated against our own contract unless the operator names one.
    executor: config.executorAddress === undefined,
    // Memory: anvil keeps every block's state otherwise. The engine reads pools at recent block
    // hashes only (a reorg deeper than this is refused long before), so 256 states is ample.
    keepStates: 256,
    ...(config.flow ? { flow: { seed: config.flowSeed, swapsPerBlock: config.flowRate, maxSizeBps: config.flowSize } } : {}),
  });
  say(`chain: ${devnet.anvil.rpcUrl} (chain id 31337), ${devnet.seeded.localSnapshot.pools.length} pools seeded${devnet.fromCache ? ' from the cached state' : ''}${config.flow ? `, noise flow ${config.flowRate} swaps/block` : ''}`);
  return { rpcUrls: [devnet.anvil.rpcUrl, devnet.anvil.wsUrl], snapshot: devnet.seeded.localSnapshot, devnet };
}

/** Follows the chain behind ORION_RPC_URLS, tracking the pools of ORION_SNAPSHOT (config requires it). */
export async function followExternalChain(config: Config, say: Say): Promise<MarketSource> {
  const { snapshot } = await readSnapshotFile(config.snapshot!);
  say(`chain: following ${config.rpcUrls.map(redactUrl).join(', ')}: ${snapshot.pools.length} pools of ${config.snapshot}`);
  return { rpcUrls: [...config.rpcUrls], snapshot };
}
