import type { Address } from 'viem';
import { fileURLToPath } from 'node:url';
import { RuntimeFault } from '../errors.ts';
import { readSnapshotFile, type Snapshot } from '../market/snapshot.ts';
import { startAnvil, type Anvil } from './anvil.ts';
import { createDevnetClients, type DevnetClients } from './clients.ts';
import { deployUniswap, type UniswapDeployment } from './deploy-uniswap.ts';
import { startNoiseFlow, type FlowOptions, type NoiseFlow } from './flow.ts';
import { seedFromSnapshot, type SeededMarket } from './seed.ts';
import { deployFlashArbExecutor } from './deploy-executor.ts';
import { devnetCacheKey, readDevnetCache, removeDevnetCache, writeDevnetCache, type CachedDevnet } from './state-cache.ts';
import { anvilRequest } from './transactions.ts';
import { verifyPools } from './verify.ts';

/**
 * The whole local chain in one call: anvil, the Uniswap contracts, the market seeded from a
 * snapshot (the bundled Base snapshot by default) and optionally the noise flow. The seeded
 * state is cached with anvil's state dump, so the second start only loads it. Anything failing
 * on the way stops the chain: nothing half-built is left running.
 */

/** The snapshot shipped with the project (real Base pools; see src/devnet/README.md). */
export const DEFAULT_SNAPSHOT_PATH = fileURLToPath(new URL('./default-snapshot.json', import.meta.url));
/** Cache folder used when the caller gives none. */
export const DEFAULT_CACHE_DIR = '.cache/devnet';

/** Options of {@link startDevnet}. */
export interface DevnetOptions {
  /** Market to seed; the bundled default snapshot when absent. */
  snapshot?: Snapshot;
  /** Interval mining every `blockTime` seconds once seeded; automine when absent. */
  blockTime?: number;
  /** Folder of the state cache (default `.cache/devnet`); `false` seeds afresh without caching. */
  cacheDir?: string | false;
  /** Start the noise flow with these options. */
  flow?: FlowOptions;
  /** Recent block states anvil keeps in memory (src/devnet/anvil.ts); every state when absent. */
  keepStates?: number;
  /** Deploy FlashArbExecutor (owner account 1, cold wallet account 2, hot key account 3) once the market is up. */
  executor?: boolean;
  /**
   * The anvil account (4..8; default 3) the executor allows as its hot key. Test files that trade
   * live on a shared PostgreSQL each take their own: the live writer lock is per (chain, account)
   * across the whole server, and every devnet is chain 31337.
   */
  executorHotKey?: number;
}

/** The executor contract on the local chain and the accounts around it. */
export interface DevnetExecutor {
  address: Address;
  owner: Address;
  coldWallet: Address;
  /** The account allowed to call execute (the hot key); its private key is anvil's, never loaded by sim. */
  hotKey: Address;
}

/** A running local chain. */
export interface Devnet {
  anvil: Anvil;
  clients: DevnetClients;
  deployment: UniswapDeployment;
  seeded: SeededMarket;
  /** Whether the state came from the cache (no seeding this time). */
  fromCache: boolean;
  /** The noise flow, when asked for. */
  flow?: NoiseFlow;
  /** FlashArbExecutor, when asked for. */
  executor?: DevnetExecutor;
  /** Stops the flow and the chain. */
  stop(): Promise<void>;
}

/** The hot key's account by default (the executor fixture's roles: owner 1, cold wallet 2, hot key 3). */
const DEFAULT_HOT_KEY = 3;
/** Accounts a test may take as its hot key instead: not the deployer (0), owner, cold wallet, or the noise flow's trader (9). */
const SPARE_HOT_KEYS = [3, 4, 5, 6, 7, 8];

/** Deploys FlashArbExecutor: owner account 1, cold wallet account 2, hot key `hotKeyIndex`. */
async function deployDevnetExecutor(clients: DevnetClients, hotKeyIndex: number): Promise<DevnetExecutor> {
  if (!SPARE_HOT_KEYS.includes(hotKeyIndex)) throw new RuntimeFault(`executorHotKey must be one of anvil's accounts ${SPARE_HOT_KEYS.join(', ')}, got ${hotKeyIndex}`);
  const [owner, coldWallet, hotKey] = [1, 2, hotKeyIndex].map((i) => clients.accounts[i]!.address) as [Address, Address, Address];
  const address = await deployFlashArbExecutor(clients, { owner, coldWallet, executors: [hotKey] });
  return { address, owner, coldWallet, hotKey };
}

/** Reads the bundled default snapshot. */
export async function loadDefaultSnapshot(): Promise<Snapshot> {
  return (await readSnapshotFile(DEFAULT_SNAPSHOT_PATH)).snapshot;
}

/**
 * A chain loaded from a cache entry, checked against the cached market; `undefined` (the entry
 * removed) when anvil cannot load it or it does not hold what it claims, so the caller seeds
 * afresh instead of trading on a stale or damaged cache.
 */
async function startFromCache(cacheDir: string, key: string, cached: CachedDevnet, keepStates?: number): Promise<{ anvil: Anvil; clients: DevnetClients } | undefined> {
  let anvil: Anvil | undefined;
  try {
    anvil = await startAnvil({ loadStatePath: cached.statePath, ...(keepStates === undefined ? {} : { keepStates }) });
    const clients = createDevnetClients(anvil.rpcUrl);
    await verifyPools(clients, cached.seeded.lens, cached.seeded.localSnapshot.pools);
    return { anvil, clients };
  } catch {
    await anvil?.stop();
    removeDevnetCache(cacheDir, key);
    return undefined;
  }
}

/** Starts, deploys and seeds the local chain (or loads it from the cache). */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  if (options.blockTime !== undefined && !(options.blockTime > 0)) {
    throw new RuntimeFault(`blockTime must be > 0 seconds, got ${options.blockTime}`);
  }
  const snapshot = options.snapshot ?? (await loadDefaultSnapshot());
  const cacheDir = options.cacheDir === undefined ? DEFAULT_CACHE_DIR : options.cacheDir;
  const key = cacheDir === false ? undefined : await devnetCacheKey(snapshot);
  const cached = cacheDir === false || key === undefined ? undefined : readDevnetCache(cacheDir, key);
  const warm = cached === undefined || cacheDir === false || key === undefined ? undefined : await startFromCache(cacheDir, key, cached, options.keepStates);

  const anvil = warm?.anvil ?? (await startAnvil(options.keepStates === undefined ? {} : { keepStates: options.keepStates }));
  let flow: NoiseFlow | undefined;
  try {
    const clients = warm?.clients ?? createDevnetClients(anvil.rpcUrl);
    let deployment: UniswapDeployment;
    let seeded: SeededMarket;
    if (warm !== undefined && cached !== undefined) {
      ({ deployment, seeded } = cached);
    } else {
      deployment = await deployUniswap(clients);
      seeded = await seedFromSnapshot(clients, deployment, snapshot);
      if (cacheDir !== false && key !== undefined) await writeDevnetCache(clients, cacheDir, key, deployment, seeded);
    }
    // Deployed on every start (a cached chain holds the market only): two transactions, mined
    // at once while the chain still automines.
    const executor = options.executor === true ? await deployDevnetExecutor(clients, options.executorHotKey ?? DEFAULT_HOT_KEY) : undefined;
    if (options.blockTime !== undefined) await anvilRequest(clients, 'evm_setIntervalMining', [options.blockTime]);
    if (options.flow !== undefined) {
      flow = await startNoiseFlow(clients, deployment, seeded, options.flow);
      flow.start();
    }
    const running: Devnet = {
      anvil, clients, deployment, seeded, fromCache: warm !== undefined,
      async stop() {
        await flow?.stop();
        await anvil.stop();
      },
    };
    if (flow !== undefined) running.flow = flow;
    if (executor !== undefined) running.executor = executor;
    return running;
  } catch (error) {
    await flow?.stop().catch(() => undefined);
    await anvil.stop();
    throw error;
  }
}
