import { randomUUID } from 'node:crypto';
import { formatGwei, formatUnits } from 'viem';
import { buildApp } from './api/app.ts';
import { Readiness } from './api/readiness.ts';
import type { Config } from './config.ts';
import type { Devnet } from './devnet/devnet.ts';
import { startEngine, type Engine, type ExecutionSettings } from './engine/engine.ts';
import { engineView } from './engine/status-view.ts';
import { followExternalChain, startLocalChain } from './market-source.ts';
import { createProgress } from './market/progress.ts';
import { snapshotTokens } from './market/snapshot.ts';
import { ConfigError, RuntimeFault } from './errors.ts';
import { configuredBaseTokens, engineBaseTokens, followedPools } from './engine/base-tokens.ts';
import { ensureWritableDataDir } from './ops/data-dir.ts';
import { startScheduledBackups, type BackupSchedule } from './ops/platform-backups.ts';
import { takeBackup } from './ops/backup/index.ts';
import { createShutdownHooks, type ShutdownHooks } from './ops/shutdown.ts';
import { installNotifier, notify } from './notify/index.ts';
import { startNotifications } from './notify/from-config.ts';
import { describeOpportunity } from './format/opportunity-format.ts';
import { TokenDirectory } from './format/symbols.ts';
import { SILENT, type Say } from './say.ts';
import { openStoreFromConfig, type Store } from './store/index.ts';
// API (issue 12)
import { httpSettings, openApiServices } from './api/open-services.ts';
import { ServiceGate, type ApiServices } from './api/services.ts';
import { enterLiveAtBoot, refuseLiveWithoutAllow, storedLiveNote } from './mode/boot-mode.ts';
import { createModeService, type ModeService } from './mode/mode-service.ts';
import { createModeFollower, followingSwitches, type ModeFollower } from './mode/mode-follower.ts';
import { failedChecks, relaysToCheck } from './mode/checks.ts';
import type { ExecutionMode } from './executor/executor.ts';
import { reconcileControls } from './controls/contract-controls.ts';
import { ownerController, type OwnerController } from './controls/owner-controller.ts';
import { openBus, type EventBus } from './bus/index.ts';
import { processWideMetrics } from './metrics/registry.ts';
import { createEngineTelemetry } from './telemetry/engine-telemetry.ts';
import { collectStatusGauges } from './telemetry/status-gauges.ts';
import { createExecutionTelemetry } from './telemetry/execution-telemetry.ts';
import { gasLowMemoryIn } from './telemetry/gas-low-memory.ts';
import { loadDecimalsUnknown } from './telemetry/profit-metric.ts';
import { startStallWatch, type StallWatch } from './telemetry/stall-watch.ts';
import { startMaintenanceSchedule, type MaintenanceSchedule } from './ops/maintenance-schedule.ts';
// Protections (issue 10)
import { openProtections, type Protections } from './risk-controls/protections-service.ts';
import { followProtectionChanges, publishProtectionChanges } from './telemetry/protection-messages.ts';
import { writeServerUrl } from './ops/server-url.ts';
import { seedLimits } from './orchestrator/limits.ts';
import { seedLimitsOnce } from './risk-controls/limits-repository.ts';
import { seedDevnetDemoLimits } from './devnet/demo-limits.ts';
import type { AuditJson } from './audit/canonical.ts';

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
  /** The protections (limits, kill switch, breakers), once the engine has its mode session. */
  protections(): Protections | undefined;
  /** The mode service (status, validate, switch), once the chain is up (undefined while it boots). */
  mode(): ModeService | undefined;
  /** Scheduled backups (undefined when ORION_BACKUP_INTERVAL=0). */
  backups: BackupSchedule | undefined;
  /** The maintenance job: risk snapshots and retention (its timer is off when ORION_MAINTENANCE_INTERVAL=0). */
  maintenance: MaintenanceSchedule;
  /** The stop order: add a hook to a phase (e.g. the ledger's flush) and `stop()` runs it in place. */
  shutdown: ShutdownHooks;
  /** Resolves when every component is ready; rejects with the component's error. */
  ready: Promise<void>;
  /** The API's database-backed services (auth, audit log), open once the store is. */
  api: ServiceGate;
  /** The event bus /ws serves (Redis with REDIS_URL, else in-process): publish engine events here. */
  bus: EventBus;
  /** Stops intake, lets the engine finish its block, flushes, closes the database (see src/ops/shutdown.ts). */
  stop(): Promise<void>;
}

/**
 * How long a page of /opportunities is served to every client asking the same query: the engine
 * writes once a block (2 s on the embedded chain), a polling desk costs one read per 500 ms.
 */
const DESK_PAGE_CACHE_MS = 500;

/** How often an instance on PostgreSQL reads the protections again (limits, kill switch, breakers). */
const PROTECTIONS_REFRESH_MS = 2_000;
/** The fee cap on the embedded local chain when ORION_MAX_FEE_PER_GAS is unset: 100 gwei (its base fee starts at 1 gwei). */
const EMBEDDED_CHAIN_FEE_CAP = 100_000_000_000n;

/** Starts the platform as configured; throws a RuntimeFault with one clear line on failure. */
export async function startPlatform(config: Config, say: Say = SILENT): Promise<Platform> {
  // Fail-safe at boot (src/mode): live needs ORION_ALLOW_LIVE now, and a passing validation once the chain is up.
  refuseLiveWithoutAllow(config);
  await ensureWritableDataDir(config.dataDir);
  const readiness = new Readiness();
  readiness.expect('database');
  readiness.expect('chain');
  readiness.expect('engine');

  // Listen first: a port in use fails in milliseconds, and /healthz answers while the rest boots.
  let devnet: Devnet | undefined;
  let engine: Engine | undefined;
  let protections: Protections | undefined;
  let protectionsRefresh: ReturnType<typeof setInterval> | undefined;
  let stopFollowing: (() => Promise<void>) | undefined;
  // Names this instance's messages on the bus, so it does not react to its own.
  const instance = randomUUID();
  let modeFollowTimer: ReturnType<typeof setInterval> | undefined;
  let stopFollowingModes: (() => Promise<void>) | undefined;
  let tokens = new TokenDirectory([]);
  let backups: BackupSchedule | undefined;
  let modeService: ModeService | undefined;
  let modeFollower: ModeFollower | undefined;
  /** The mode the engine runs now: ORION_MODE at boot, then whatever switch it followed. */
  let runningMode: ExecutionMode = config.mode;
  let contractControls: OwnerController | undefined;
  // ── API (issue 12): routes are registered now and reach the database through the gate
  // (503 until the store below is open); the first run creates the admin account there.
  const api = new ServiceGate();
  let bus: EventBus;
  try {
    bus = await openBus(config.redisUrl, { onHandlerError: (error, channel) => say(`event bus: a ${channel} subscriber failed (the others still receive it): ${error instanceof Error ? error.message : String(error)}`) });
  } catch (cause) {
    throw new RuntimeFault(`cannot reach Redis at REDIS_URL: ${(cause as Error).message}`, { cause });
  }
  const app = buildApp({
    readiness,
    gate: api,
    bus,
    controls: { protections: () => protections, tokens: () => tokens },
    desk: { pageCacheMs: DESK_PAGE_CACHE_MS },
    ops: { backup: (opened) => backups?.runNow() ?? takeBackup(opened, config.backupDir) },
    mode: () => runningMode,
    live: { mode: () => modeService, contract: () => contractControls },
    http: httpSettings(config),
    details: () => ({
      mode: runningMode,
      modeFollower: modeFollower?.status() ?? null,
      chain: devnet === undefined ? null : { rpcUrl: devnet.anvil.rpcUrl, flow: devnet.flow?.stats ?? null, executor: devnet.executor ?? null },
      engine: engine === undefined ? null : engineView(engine, tokens),
      protections: protections?.status() ?? null,
      backup: backups?.status() ?? null,
    }),
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    await bus.close();
    if (code === 'EADDRINUSE') throw new RuntimeFault(`port ${config.port} on ${config.host} is already in use; set PORT to a free port`, { cause });
    throw new RuntimeFault(`cannot listen on ${config.host}:${config.port}: ${(cause as Error).message}`, { cause });
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  say(`listening on ${url} (mode ${config.mode}); dashboard at ${url}/; /healthz is up, /readyz turns 200 once the chain is seeded`);
  // Where `orion limits set …` and the other state-changing commands find this server by default.
  const serverUrlFile = writeServerUrl(config.dataDir, url);

  let store: Store;
  try {
    store = await openStoreFromConfig(config);
  } catch (error) {
    await app.close();
    await bus.close();
    throw error;
  }
  let services: ApiServices;
  try {
    services = await openApiServices(store, config, say, `${url}/`); // API (issue 12)
    api.open(services);
    const note = await storedLiveNote(config, store);
    if (note !== undefined) say(`mode: ${note}`);
  } catch (error) {
    await app.close();
    await bus.close();
    await store.close();
    throw error;
  }
  readiness.markReady('database', store.backend);
  say(`database: ${store.backend} at ${store.location}`);
  // --- operations: notifications (src/notify), scheduled backups (src/ops/platform-backups.ts) ---
  let notifier: ReturnType<typeof startNotifications>;
  let maintenance: MaintenanceSchedule;
  try {
    notifier = startNotifications(config, store, say);
    backups = await startScheduledBackups(config, store, say, (error) => notify({ type: 'backup.failed', text: error.message, details: { dir: config.backupDir } }));
    maintenance = await startMaintenanceSchedule({ store, audit: api.get().audit, intervalSeconds: config.maintenanceInterval, retentionDays: config.retentionDays, usdReferencePools: config.usdReferencePools, riskCapital: config.riskCapital, riskFreeRate: config.riskFreeRate, say });
  } catch (error) {
    await backups?.stop();
    await app.close();
    await bus.close();
    await store.close();
    throw error;
  }
  // --- end operations ---
  // --- telemetry (src/telemetry): the engine's figures into /metrics, its events onto the bus ---
  const metrics = processWideMetrics();
  const stopGauges = collectStatusGauges(metrics, { mode: () => runningMode, engine: () => engine?.status(), backups: () => backups?.status() ?? null, risk: () => maintenance.latest(), protections: () => protections });
  // Made per engine start: its figures and events are labelled with the mode that engine runs.
  const telemetryFor = (mode: ExecutionMode) => createEngineTelemetry({
    metrics, bus, mode, tokens: () => tokens, notify,
    onPublishError: (error) => say(`event bus: publish failed: ${(error as Error).message}`),
  });
  let stallWatch: StallWatch | undefined;
  // --- end telemetry ---
  let stopping = false;
  let booting = 'chain';
  const ready = (async () => {
    const market = config.rpcUrls.length > 0 ? await followExternalChain(config, say) : await startLocalChain(config, say);
    devnet = market.devnet;
    if (devnet !== undefined && config.maxFeePerGas === undefined) {
      // The embedded chain's ether is anvil's: without ORION_MAX_FEE_PER_GAS, fees there are capped
      // at a default instead of live refusing to start for want of a cap (a followed chain still
      // needs it set: it is what bounds real money).
      config = { ...config, maxFeePerGas: EMBEDDED_CHAIN_FEE_CAP };
      say(`chain: fee cap ${formatGwei(EMBEDDED_CHAIN_FEE_CAP)} gwei per gas on the local chain (ORION_MAX_FEE_PER_GAS unset)`);
    }
    readiness.markReady('chain', market.rpcUrls[0]);
    if (stopping) return;

    booting = 'engine';
    let lastBest = '';
    let lastLive = '';
    // Tokens whose decimals the market could not read are listed with decimals 0: named here, their
    // amounts are said in base units (never as whole tokens) and their profit is counted apart.
    const symbols = new TokenDirectory(snapshotTokens(market.snapshot), await loadDecimalsUnknown(store, market.snapshot.chainId));
    // The engine follows only pools above the liquidity floor (junk pools make junk opportunities).
    const floor = followedPools(config, market.snapshot);
    if (floor.kept.length === 0) throw new ConfigError(`ORION_MIN_POOL_LIQUIDITY=${config.minPoolLiquidity}: no pool of the snapshot reaches that floor; allowed: a lower floor`);
    if (floor.excluded.length > 0) say(`engine: ${floor.excluded.length} of ${market.snapshot.pools.length} pools below the liquidity floor of ${config.minPoolLiquidity} ${floor.reference.symbol} per side, not followed`);
    tokens = symbols;
    const execution = executionSettings(config, devnet);
    const followed = { rpcUrl: market.rpcUrls[0]!, chainId: market.snapshot.chainId, executor: execution?.executor };
    modeService = createModeService({
      store,
      allowLive: config.allowLive,
      audit: services.audit,
      // On the embedded chain its own hot key and cold wallet stand in for unset ones (as the live signer does).
      target: async () => {
        // The gas the running engine's recent plans reserve per execution (more than the table's when they cross V3 ticks).
        const counted = protections?.status().gasMoney?.gasPerExecution;
        return {
          config: (await import('./executor/live/live-settings.ts')).withEmbeddedChainKeys(config, devnet), rpcUrl: followed.rpcUrl, expectedChainId: followed.chainId, executor: followed.executor, relayUrls: relaysToCheck(config),
          baseTokens: () => engineBaseTokens(config, floor.kept, followed.chainId), tokens: symbols,
          ...(counted === undefined ? {} : { gasPerExecution: BigInt(counted) }),
        };
      },
      onSwitched: (to, actor) => void bus.publish('mode', { mode: to, by: actor.label, instance }).catch((error: unknown) => say(`event bus: publish failed: ${(error as Error).message}`)),
    });
    if (followed.executor !== undefined && /^https?:/.test(followed.rpcUrl)) {
      contractControls = ownerController(config, followed.rpcUrl, followed.executor, services.audit);
      // Controls answered "sent, not yet mined" before this start get their outcome now, not only
      // when the next control runs. Best effort, off the boot path: the next control settles them anyway.
      void reconcileControls(followed.rpcUrl, followed.executor, services.audit).then(
        ({ recorded, waiting }) => {
          if (recorded > 0 || waiting.length > 0) say(`contract controls: ${recorded} earlier outcome(s) recorded; ${waiting.length === 0 ? 'none waiting' : `still waiting: ${waiting.join(', ')}`}`);
        },
        (error: unknown) => say(`contract controls: could not reconcile earlier controls at start (${(error as Error).message.split('\n')[0]}); the next control does`),
      );
    }
    // The limits exist before live's pre-flight check reads them (the protections would write
    // version 1 only once the engine starts): on a real chain a refusal then names the
    // `orion limits set` that fixes it; the embedded chain adds its demo's loss limits.
    if (devnet === undefined) await seedLimitsOnce(store, followed.chainId, seedLimits(config));
    else {
      const bases = engineBaseTokens(config, floor.kept, followed.chainId);
      const demo = await seedDevnetDemoLimits(store, followed.chainId, bases, symbols, seedLimits(config));
      if (demo !== undefined) say(`limits: version ${demo.version} by ${demo.actor}, the demo's max_daily_loss: ${bases.map((token) => symbols.amount(token, demo.limits.maxDailyLoss[token]!)).join(', ')}`);
    }
    if (config.mode === 'live') await enterLiveAtBoot(modeService);
    // Loaded only in live mode: nothing sim runs imports the signing module.
    const liveSettingsNow = async () => (await import('./executor/live/live-settings.ts')).liveSettings(config, devnet);
    const launchEngine = async (mode: ExecutionMode, live: Awaited<ReturnType<typeof liveSettingsNow>> | undefined): Promise<Engine> => {
      const telemetry = telemetryFor(mode);
      // Live: each settled execution and each crossing of the gas-money floor reach the operator.
      const executions = mode === 'live' ? createExecutionTelemetry({
        metrics, bus, tokens: () => symbols, notify,
        gasMoneyFloor: () => protections?.limits().limits.gasMoney.minExecutions ?? 0,
        // The side of the floor last reported survives a restart: gas.low is not sent again for the same low.
        gasLowMemory: gasLowMemoryIn(store),
        onPublishError: (error) => say(`event bus: publish failed: ${(error as Error).message}`),
        onError: (error) => say(`telemetry: a live execution could not be reported: ${(error as Error).message}`),
      }) : undefined;
      return startEngine({
        store,
        mode,
        ...(live === undefined ? {} : { live }),
        execution,
        ...(execution === null ? { noExecutionReason: config.executorAddress === undefined
          ? 'no executor contract on the followed chain: set ORION_EXECUTOR_ADDRESS and ORION_HOT_KEY_ADDRESS to plan and simulate'
          : 'ORION_HOT_KEY_ADDRESS is unset: plans need the address that calls ORION_EXECUTOR_ADDRESS' } : {}),
        protections: async (session) => {
          // A restart that follows a mode switch replaces the previous engine's protections.
          clearInterval(protectionsRefresh);
          await stopFollowing?.();
          await protections?.settle();
          protections = await openProtections({
            mode: session.mode,
            store,
            chainId: market.snapshot.chainId,
            session: session.id,
            dataDir: config.dataDir,
            seed: seedLimits(config),
            tokens: () => symbols,
            onAudit: async (event, tx) => {
              await api.get().audit.append({ type: event.type, ...(event.actor === 'engine' ? {} : { actor: event.actor }), details: event.details as Record<string, AuditJson> }, tx);
            },
            onError: (error) => say(`protections: a background write failed (the state in memory holds): ${(error as Error).message}`),
            onChange: publishProtectionChanges(bus, { instance, status: () => protections?.status(), onPublishError: (error) => say(`event bus: publish failed: ${(error as Error).message}`) }),
          });
          // An operator's change written while these opened, through the protections they replace
          // (src/api/routes/controls.ts `change` saw those still in force), is read again now that
          // these are: else a kill switch engaged during a mode-follow restart was lost to the new
          // engine (on PGlite, which is not polled, until the next restart).
          await protections.refresh();
          // On a shared PostgreSQL another instance or `orion limits set` may change them: read them
          // again every few seconds (PGlite belongs to this process alone: every change comes through it).
          if (store.backend === 'postgres') {
            const opened = protections;
            const cannotRead = (error: unknown): void => say(`protections: cannot read the limits again: ${(error as Error).message}`);
            protectionsRefresh = setInterval(() => void opened.refresh().catch(cannotRead), PROTECTIONS_REFRESH_MS);
            protectionsRefresh.unref();
            // Another instance's change, announced on the bus (Redis), is read at once; the poll catches the rest.
            stopFollowing = await followProtectionChanges(bus, instance, () => opened.refresh(), cannotRead);
          }
          return protections;
        },
        plan: { minProfitMarginBps: config.minProfitMarginBps, deadlineBlocks: config.deadlineBlocks, gasLimitMarginBps: config.gasLimitMarginBps },
        blockTimeSeconds: devnet === undefined ? 12 : config.blockTime,
        spillDir: config.dataDir,
        rpcUrls: market.rpcUrls,
        expectedChainId: market.snapshot.chainId,
        pools: floor.kept,
        ...(say === SILENT ? {} : { progress: createProgress(process.stderr) }),
        baseTokens: configuredBaseTokens(config),
        maxHops: config.maxHops,
        maxStaleBlocks: config.maxStaleBlocks,
        gasBid: { priorityFee: config.priorityFee, maxFeePerGas: config.maxFeePerGas },
        baseFeeRule: config.baseFeeRule,
        flashLenders: {
          balancerVault: config.balancerVault,
          aave: config.aavePool === undefined ? undefined : { pool: config.aavePool, premiumBps: config.aavePremiumBps },
        },
        ...(executions === undefined ? {} : { onSettled: executions.onSettled, onGasMoney: executions.onGasMoney }),
        onDecided: (event) => {
          telemetry.onDecided(event);
          stallWatch?.beat(event.header.number);
        },
        onSimulated: (event) => {
          telemetry.onSimulated(event);
          for (const result of event.results) {
            if (result.status === 'failed') say(`engine: block ${event.header.number}: simulation failed: ${result.error}`);
          }
          // Live: one line whenever the sends or their outcomes move on.
          const live = engine?.status().executor.live;
          const line = live === undefined || live === null ? '' : `sent ${live.sent}, included ${live.included}, confirmed ${live.confirmed}, failed ${live.failed}, dropped ${live.dropped}, open ${live.openIntents}`;
          if (line !== lastLive) say(`engine (live): ${(lastLive = line)}`);
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
    };
    engine = await launchEngine(config.mode, config.mode === 'live' ? await liveSettingsNow() : undefined);
    // Every instance follows a switch of the stored mode while it runs (src/mode/mode-follower.ts).
    const service = modeService;
    modeFollower = createModeFollower({
      store,
      running: () => (engine === undefined ? undefined : { mode: runningMode, session: engine.session.id }),
      say,
      async refusal(mode) {
        if (mode === 'sim') return null;
        if (!config.allowLive) return 'ORION_ALLOW_LIVE is off on this instance';
        const failed = failedChecks(await service.validate({ label: 'follow (a switch to live)' }));
        return failed.length === 0 ? null : `${failed.length} pre-flight check(s) failed here: ${failed.join('; ')}`;
      },
      async restart(mode) {
        // The settings first: a key that cannot be opened leaves the running engine as it is.
        const live = mode === 'live' ? await liveSettingsNow() : undefined;
        const previous = engine;
        engine = undefined;
        readiness.expect('engine');
        await previous?.stop();
        runningMode = mode;
        try {
          engine = await launchEngine(mode, live);
        } catch (error) {
          readiness.markFailed('engine', `could not start in ${mode} after a mode switch: ${(error as Error).message}`);
          throw error;
        }
        readiness.markReady('engine', `${engine.status().scanner.pools} pools (${mode})`);
      },
    });
    modeService = followingSwitches(service, modeFollower);
    if (store.backend === 'postgres') {
      // Another instance on the same database may switch: read the open session as often as the limits.
      const follow = (): void => void modeFollower?.check().catch((error: unknown) => say(`mode: cannot follow the stored mode: ${(error as Error).message}`));
      modeFollowTimer = setInterval(follow, PROTECTIONS_REFRESH_MS);
      modeFollowTimer.unref();
      // Another instance's switch, announced on the bus (Redis), is followed at once; the timer catches the rest.
      stopFollowingModes = await bus.subscribe(['mode'], (message) => {
        if ((message.data as { instance?: string } | null)?.instance !== instance) follow();
      });
    }
    const stats = engine.status().scanner;
    stallWatch = startEngineStallWatch(devnet === undefined ? 12 : config.blockTime, say);
    readiness.markReady('engine', `${stats.pools} pools, ${stats.cycles} cycles`);
    const lenders = [
      'the pools (V2 flash swaps, V3 flash)',
      ...(config.balancerVault === undefined ? [] : [`Balancer Vault ${config.balancerVault}`]),
      ...(config.aavePool === undefined ? [] : [`Aave Pool ${config.aavePool} (${config.aavePremiumBps} bp)`]),
    ];
    say(`engine (${runningMode}): mode session ${engine.session.id}${engine.session.resumed ? ' (continued)' : ' (new)'}; plans ${execution === null ? 'rejected: no executor on this chain' : `for FlashArbExecutor ${execution.executor} from ${execution.hotKey}, each simulated on the next block`}`);
    say(`engine (${runningMode}): following ${stats.pools} pools, ${stats.cycles} cycles of up to ${config.maxHops} hops; flash loans from ${lenders.join(', ')}; gas at the next base fee (${engine.status().gas.rule ?? 'none'}) + ${formatUnits(config.priorityFee, 9)} gwei`);
  })();
  ready.catch((error: unknown) => readiness.markFailed(booting, (error as Error).message));

  // The stop order (src/ops/shutdown.ts). The engine's stop flushes the ledger after its last block.
  const shutdown = createShutdownHooks();
  shutdown.add('intake', 'http', async () => {
    stopping = true;
    serverUrlFile.remove();
    await app.close();
  });
  shutdown.add('in-flight', 'engine', async () => {
    await ready.catch(() => undefined);
    // Finishes the block in hand (its simulations too), writes the market checkpoint and flushes
    // the ledger; rows a database that stays down refused are spilled to a file and said here.
    clearInterval(modeFollowTimer);
    await stopFollowingModes?.();
    const ledger = await engine?.stop();
    clearInterval(protectionsRefresh);
    await stopFollowing?.();
    await protections?.settle();
    if (ledger !== undefined && ledger.unwritten > 0) say(`ledger: ${ledger.unwritten} rows could not be written to the database${ledger.spillFile === null ? '' : `; kept in ${ledger.spillFile}`}`);
  });
  shutdown.add('flush', 'backups', () => backups?.stop());
  shutdown.add('flush', 'maintenance', () => maintenance.stop());
  shutdown.add('flush', 'telemetry', async () => {
    stallWatch?.stop();
    stopGauges();
  });
  shutdown.add('flush', 'notifications', async () => {
    await notifier?.stop();
    if (notifier !== undefined) installNotifier(undefined);
  });
  shutdown.add('close', 'local chain', () => devnet?.stop());
  shutdown.add('close', 'event bus', () => bus.close());
  shutdown.add('close', 'database', () => store.close());

  return {
    url,
    readiness,
    store,
    api,
    bus,
    devnet: () => devnet,
    engine: () => engine,
    protections: () => protections,
    mode: () => modeService,
    backups,
    maintenance,
    shutdown,
    ready,
    async stop() {
      const failures = await shutdown.run();
      if (failures.length > 0) throw failures[0]!.error;
    },
  };
}

/**
 * Notifies `engine.stalled` when no block was decided for ten block times (at least a minute):
 * the chain or its endpoints stopped, or the engine is stuck.
 */
function startEngineStallWatch(blockTimeSeconds: number, say: Say): StallWatch {
  return startStallWatch({
    thresholdMs: Math.max(60_000, 10 * blockTimeSeconds * 1000),
    onStall: (lastBlock, quietMs) => {
      const text = `engine stalled: no block decided for ${Math.round(quietMs / 1000)} s${lastBlock === null ? '' : ` (last block ${lastBlock})`}`;
      say(text);
      notify({ type: 'engine.stalled', text, details: { lastBlock: lastBlock?.toString() ?? null, quietSeconds: Math.round(quietMs / 1000) } });
    },
  });
}

/** The executor contract and hot key plans are made for: the embedded chain's own, or the configured ones. */
function executionSettings(config: Config, devnet: Devnet | undefined): ExecutionSettings | null {
  if (config.executorAddress !== undefined && config.hotKeyAddress !== undefined) return { executor: config.executorAddress, hotKey: config.hotKeyAddress };
  if (devnet?.executor !== undefined) return { executor: devnet.executor.address, hotKey: devnet.executor.hotKey };
  return null;
}
