import { formatUnits } from 'viem';
import { buildApp } from './api/app.ts';
import { Readiness } from './api/readiness.ts';
import type { Config } from './config.ts';
import type { Devnet } from './devnet/devnet.ts';
import { startEngine, type Engine } from './engine.ts';
import { followExternalChain, startLocalChain } from './market-source.ts';
import { createProgress } from './market/progress.ts';
import { snapshotTokens } from './market/snapshot.ts';
import { ConfigError, RuntimeFault } from './errors.ts';
import { liquidityFloorFromText } from './scanner/liquidity-floor.ts';
import { ensureWritableDataDir } from './ops/data-dir.ts';
import { describeOpportunity } from './format/opportunity-format.ts';
import { TokenDirectory } from './format/symbols.ts';
import { SILENT, type Say } from './say.ts';
import { openStoreFromConfig, type Store } from './store/index.ts';

export { SILENT, type Say } from './say.ts';

/**
 * The running platform: everything `npm start` brings up, as far as it exists, in start order
 * (store, HTTP listener, local chain) and stopped in reverse. Each capability that lands adds
 * itself here.
 */
export interface Platform {
  url: string;
  readiness: Readiness;
  store: Store;
  /** The local chain, once seeded (undefined while it boots). */
  devnet(): Devnet | undefined;
  /** The engine, once the market is synced (undefined while it boots). */
  engine(): Engine | undefined;
  /** Resolves when every component is ready; rejects with the component's error. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Starts the platform as configured; throws a RuntimeFault with one clear line on failure. */
export async function startPlatform(config: Config, say: Say = SILENT): Promise<Platform> {
  await ensureWritableDataDir(config.dataDir);
  const readiness = new Readiness();
  readiness.expect('database');
  readiness.expect('chain');
  readiness.expect('engine');

  // Listen first: a port in use fails in milliseconds, and /healthz answers while the rest boots.
  let devnet: Devnet | undefined;
  let engine: Engine | undefined;
  const app = buildApp({
    readiness,
    details: () => ({
      chain: devnet === undefined ? null : { rpcUrl: devnet.anvil.rpcUrl, flow: devnet.flow?.stats ?? null },
      engine: engine?.status() ?? null,
    }),
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RuntimeFault(`port ${config.port} on ${config.host} is already in use; set PORT to a free port`, { cause });
    throw new RuntimeFault(`cannot listen on ${config.host}:${config.port}: ${(cause as Error).message}`, { cause });
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  say(`listening on ${url} (mode ${config.mode}); /healthz is up, /readyz turns 200 once the chain is seeded`);

  let store: Store;
  try {
    store = await openStoreFromConfig(config);
  } catch (error) {
    await app.close();
    throw error;
  }
  readiness.markReady('database', store.backend);
  say(`database: ${store.backend} at ${store.location}`);
  let stopping = false;
  let booting = 'chain';
  const ready = (async () => {
    const market = config.rpcUrls.length > 0 ? await followExternalChain(config, say) : await startLocalChain(config, say);
    devnet = market.devnet;
    readiness.markReady('chain', market.rpcUrls[0]);
    if (stopping) return;

    booting = 'engine';
    let lastBest = '';
    const symbols = new TokenDirectory(snapshotTokens(market.snapshot));
    // The engine follows only pools above the liquidity floor (junk pools make junk opportunities).
    const floor = liquidityFloorFromText(market.snapshot.pools, market.snapshot.chainId, config.minPoolLiquidity, 'ORION_MIN_POOL_LIQUIDITY');
    if (floor.kept.length === 0) throw new ConfigError(`ORION_MIN_POOL_LIQUIDITY=${config.minPoolLiquidity}: no pool of the snapshot reaches that floor; allowed: a lower floor`);
    if (floor.excluded.length > 0) say(`engine: ${floor.excluded.length} of ${market.snapshot.pools.length} pools below the liquidity floor of ${config.minPoolLiquidity} ${floor.reference.symbol} per side, not followed`);
    engine = await startEngine({
      store,
      rpcUrls: market.rpcUrls,
      expectedChainId: market.snapshot.chainId,
      pools: floor.kept,
      ...(say === SILENT ? {} : { progress: createProgress(process.stderr) }),
      baseTokens: config.baseTokens.map((token) => (token.type === 'address' ? token.address : token.symbol)),
      maxHops: config.maxHops,
      maxStaleBlocks: config.maxStaleBlocks,
      gasBid: { priorityFee: config.priorityFee, maxFeePerGas: config.maxFeePerGas },
      flashLenders: {
        balancerVault: config.balancerVault,
        aave: config.aavePool === undefined ? undefined : { pool: config.aavePool, premiumBps: config.aavePremiumBps },
      },
      onOpportunities: (block, top) => {
        // One line when the best cycle changes, not one per block.
        const best = top[0];
        const key = best === undefined || best.netProfit <= 0n ? '' : best.pools.join(',');
        if (key === lastBest) return;
        lastBest = key;
        if (best !== undefined && key !== '') say(`engine: block ${block}: best cycle ${describeOpportunity(best, symbols)}`);
      },
    });
    const stats = engine.status().scanner;
    readiness.markReady('engine', `${stats.pools} pools, ${stats.cycles} cycles`);
    const lenders = [
      'the pools (V2 flash swaps, V3 flash)',
      ...(config.balancerVault === undefined ? [] : [`Balancer Vault ${config.balancerVault}`]),
      ...(config.aavePool === undefined ? [] : [`Aave Pool ${config.aavePool} (${config.aavePremiumBps} bp)`]),
    ];
    say(`engine (sim): following ${stats.pools} pools, ${stats.cycles} cycles of up to ${config.maxHops} hops; flash loans from ${lenders.join(', ')}; gas at the next base fee + ${formatUnits(config.priorityFee, 9)} gwei`);
  })();
  ready.catch((error: unknown) => readiness.markFailed(booting, (error as Error).message));

  return {
    url,
    readiness,
    store,
    devnet: () => devnet,
    engine: () => engine,
    ready,
    async stop() {
      stopping = true;
      await app.close();
      await ready.catch(() => undefined);
      await engine?.stop();
      await devnet?.stop();
      await store.close();
    },
  };
}
