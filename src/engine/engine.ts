import type { Address } from 'viem';
import { createChainClients } from '../chain/clients.ts';
import type { GasBidPolicy, NextBlockFee } from '../chain/next-base-fee.ts';
import { InputError } from '../errors.ts';
import type { ExecutionMode, Executor, SimulationResult } from '../executor/executor.ts';
import { createSimExecutor } from '../executor/sim.ts';
import { baseFeeRuleFor, type BaseFeeRuleKind } from '../chain/next-base-fee.ts';
import { settledOutcome } from '../executor/live/settled-outcome.ts';
import { liveWriterHeld } from '../executor/live/writer-lock.ts';
import { createLiveExecutor, type LiveExecutor, type LiveExecutorOptions, type LiveExecutorStatus, type LiveSettings, type SettledIntent } from '../executor/live/live-executor.ts';
import type { Funnel } from '../ledger/funnel.ts';
import { applyExecutionCounts, readExecutionCounts, readFunnel } from '../ledger/funnel.ts';
import { createLedgerWriter, type LedgerWriter, type LedgerWriterStatus } from '../ledger/ledger-writer.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import type { ModeSession } from '../ledger/records.ts';
import type { MarketFollowerStatus } from '../market/market-follower.ts';
import type { ProgressSink } from '../market/progress.ts';
import type { PoolSnapshot } from '../market/snapshot.ts';
import { createDecider, marketFacts } from '../orchestrator/decider.ts';
import type { GasMoney, Lock, ProtectionGuard, ResendFacts } from '../orchestrator/protection.ts';
import type { Outcome } from '../orchestrator/protection-figures.ts';
import { routeKey, stateKey } from '../ledger/records.ts';
import { largestGasLimit, type PlanSettings } from '../orchestrator/plan.ts';
import { createGasMoneyWatch } from '../executor/gas-money.ts';
import { GasPerExecution } from './gas-per-execution.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import { createMarketPersistence } from '../store/market-persistence.ts';
import type { Store } from '../store/types.ts';
import { BlockLatencyRing, type BlockLatencySummary, type Percentiles } from './block-latency.ts';
import { SampleRing } from '../util/sample-ring.ts';
import type { BlockClock, DecidedEvent, MarketEvent, SimulatedEvent } from './events.ts';
import { createExecuteStage, type ExecuteStageStatus } from './execute-stage.ts';
import { checkLendersExist, lenderAddresses, scannerFlashOptions, type FlashLenderSettings } from './flash-lenders.ts';
import { startMarketStage } from './market-stage.ts';
import { createRankStage, type RankStage } from './rank-stage.ts';
import { createRecordStage } from './record-stage.ts';
import { createIdleCollector } from '../util/idle-collect.ts';

/**
 * The engine's composition root: it only wires the stages (DESIGN "The engine as stages") and
 * picks the executor by mode.
 *
 *   market ──market──> rank ──ranked──> decide ──decided──> execute (sim | live) ──simulated──> record
 *                                                    └──────────────decided──────────────────> record
 *
 * Market, rank and decide run in the block's own turn (no I/O after the block is fetched);
 * the executor runs behind a one-block mailbox (execute-stage.ts); the ledger writer writes in
 * the background. Every block is timed from its head being heard of, by stage.
 */

/** The executor contract and the hot key's address plans are made for. */
export interface ExecutionSettings {
  executor: Address;
  hotKey: Address;
}

/** Settings of the engine. */
export interface EngineOptions {
  store: Store;
  /** sim simulates every plan; live simulates, then signs and sends the best (needs `live`). */
  mode: ExecutionMode;
  /** The signer and settings of live execution (mode live only). */
  live?: LiveEngineSettings;
  /** JSON-RPC endpoints (http(s) and ws(s)), primary first. */
  rpcUrls: readonly string[];
  /** Chain id the pools belong to (the snapshot's); the endpoints must serve that chain. */
  expectedChainId: number;
  /** The pools to follow (addresses on that chain). */
  pools: readonly PoolSnapshot[];
  /** Base tokens (addresses or symbols); empty = the scanner's most connected tokens. */
  baseTokens: readonly string[];
  maxHops: number;
  maxStaleBlocks: number;
  /** Tip on top of the next block's base fee, and an optional cap (wei per gas). */
  gasBid: GasBidPolicy;
  /** The next base fee's rule, overriding the chain id's (ORION_BASE_FEE_RULE); absent = by chain id. */
  baseFeeRule?: BaseFeeRuleKind | undefined;
  /** The executor contract and hot key; null = none on this chain (every opportunity rejected, saying why). */
  execution: ExecutionSettings | null;
  /** Why there is no executor, when `execution` is null. */
  noExecutionReason?: string;
  /**
   * The protections (src/risk-controls): asked before each plan and before each send, told each
   * outcome. Given the engine's mode session (they count per session) once the engine has it.
   */
  protections: (session: ModeSession) => Promise<EngineProtections>;
  /** Plan margins and deadline (ORION_MIN_PROFIT_MARGIN_BPS, ORION_DEADLINE_BLOCKS, ORION_GAS_LIMIT_MARGIN_BPS). */
  plan: Omit<PlanSettings, 'gasBid'>;
  /** Seconds between blocks of the chain (the simulated next block's timestamp). */
  blockTimeSeconds: number;
  /** Balancer / Aave lenders on this chain (default: none). */
  flashLenders?: FlashLenderSettings;
  /** Blocks after which a block is final (the reorg window). */
  finalityDepth?: number;
  pollIntervalMs?: number;
  progress?: ProgressSink;
  /** Folder for the ledger's spill file if the database refuses writes until shutdown. */
  spillDir?: string;
  /** Called after each block with the best opportunities (at most `topCount`). */
  onOpportunities?: (block: bigint, opportunities: LentOpportunity[]) => void;
  /** Called with each block's simulation results. */
  onSimulated?: (event: SimulatedEvent) => void;
  /** Called with each block's decisions, once they are handed to the ledger (metrics, the event bus). */
  onDecided?: (event: DecidedEvent) => void;
  /** How many of the best opportunities to keep per block (default 10). */
  topCount?: number;
  /** Live: called once per settled intent, after the protections counted it (metrics, notifications, the bus). */
  onSettled?: (settled: SettledIntent) => void;
  /** Called with each read of the hot key's gas money, after the protections have it. */
  onGasMoney?: (money: GasMoney) => void;
  onTransientError?: (error: unknown) => void;
}

/** What the engine needs of the protections. */
export interface EngineProtections extends ProtectionGuard {
  /** Counts a simulated plan's outcome (sim mode: the simulation stands for the sent transaction). */
  observe(result: SimulationResult, route: string): void;
  /** Counts a settled transaction's outcome (live mode). */
  observeOutcome(outcome: Outcome): void;
  /** The hot key's gas money, read every block. */
  setGasMoney(money: GasMoney): void;
  /** Why every send is stopped now (the kill switch), or null; asked by the live start-up's reconciliation. */
  killSwitchReason?(): string | null;
  /** Why bytes signed earlier must not go out again now (the limits in force), or null; asked by the live executor before each re-send. */
  resendLock?(facts: ResendFacts): Lock | null;
  /** The limit max_gas_price in force now, or null: a live replacement's fees stay under it. */
  maxGasPrice?(): bigint | null;
}
/** Live execution's settings as the engine takes them; `onStep` observes each send (and is the test-only fault hook's way in). */
export type LiveEngineSettings = LiveSettings & { onStep?: LiveExecutorOptions['onStep'] };

/** What /health shows of the engine. */
export interface EngineStatus {
  mode: ExecutionMode;
  session: { id: string; mode: ExecutionMode; startedAt: string; resumed: boolean };
  market: MarketFollowerStatus;
  scanner: { pools: number; cycles: number; ranked: number };
  blocksScanned: number;
  /** Wei per gas the ranking used: the next block's base fee + priority fee, capped (decimal string). */
  gasPrice: string;
  gas: {
    block: string;
    source: NextBlockFee['source'];
    /** The chain's base fee rule (src/chain/next-base-fee.ts); "ethereum (assumed: …)" for a chain not in its table. */
    rule: string | null;
    nextBaseFee: string | null;
    priorityFee: string;
    maxFeePerGas: string | null;
    /** The cap is below the next base fee: nothing of ours can be included in that block. */
    pricedOut: boolean;
  };
  executor: ExecuteStageStatus & { contract: string | null; hotKey: string | null; note: string | null; live: LiveExecutorStatus | null };
  /** Blocks a stage skipped to catch up with the newest (only the executor can fall behind: the stages before it run in the block's turn). */
  resyncs: { execute: number };
  ledger: LedgerWriterStatus;
  /** Head-to-decision latency of the recent blocks, by stage. */
  latency: LatencyStatus;
  /** What asking every protection rule costs per plan (µs; each ask, before and after simulation). */
  protectionsUs: Percentiles | null;
}

/** The latency figures and how heads are learned now (which bounds them). */
export interface LatencyStatus extends BlockLatencySummary {
  headMode: 'websocket' | 'polling';
  pollIntervalMs: number;
  note: string | null;
}

/** A running engine. */
export interface Engine {
  readonly session: ModeSession;
  status(): EngineStatus;
  /** The best opportunities at the last scanned block, each with its flash lender's address. */
  top(): readonly LentOpportunity[];
  /** The fee the last ranking used. */
  fee(): NextBlockFee;
  /** This mode session's funnel (counted as recorded; the ledger catches up in the background). */
  funnel(): Funnel;
  /** The most recent simulation results, newest first. */
  recentSimulations(): readonly SimulationResult[];
  /** Resolves once the executor is idle and the ledger has written everything queued. */
  settle(): Promise<void>;
  stop(): Promise<{ unwritten: number; spillFile: string | null }>;
}

const DEFAULT_FINALITY_DEPTH = 64;
const DEFAULT_POLL_INTERVAL_MS = 250;
const RECENT_SIMULATIONS = 20;

/** Picks the executor of the mode (the only place that knows which implementation runs). */
async function executorFor(
  options: EngineOptions, rpc: ReturnType<typeof createChainClients>['pool'], chainId: number, session: ModeSession,
  hooks: Pick<LiveExecutorOptions, 'onSettled' | 'onLedgerSynced' | 'sendsStopped' | 'resendRefusal' | 'maxGasPrice'>,
): Promise<Executor | LiveExecutor> {
  if (options.mode === 'sim') return createSimExecutor({ rpc, blockTimeSeconds: options.blockTimeSeconds, baseFeeRule: baseFeeRuleFor(chainId, options.baseFeeRule) });
  const live = options.live;
  if (live === undefined) throw new InputError('ORION_MODE=live needs the hot key that signs (ORION_PRIVATE_KEY or ORION_KEYSTORE); none was given');
  if (options.execution === null) throw new InputError(`ORION_MODE=live needs an executor contract and its hot key: ${options.noExecutionReason ?? 'none on this chain'}`);
  if (options.execution.hotKey.toLowerCase() !== live.account.address.toLowerCase()) {
    throw new InputError(`ORION_MODE=live: the signing key is ${live.account.address} but plans are made for hot key ${options.execution.hotKey} (ORION_HOT_KEY_ADDRESS): they must be the same account`);
  }
  return createLiveExecutor({
    store: options.store, rpc, chainId, session, blockTimeSeconds: options.blockTimeSeconds, settings: live,
    baseFeeRule: baseFeeRuleFor(chainId, options.baseFeeRule),
    maxFeePerGas: options.gasBid.maxFeePerGas, priorityFee: options.gasBid.priorityFee,
    ...(live.onStep === undefined ? {} : { onStep: live.onStep }),
    ...hooks,
    ...(options.onTransientError === undefined ? {} : { onError: options.onTransientError }),
  });
}

const isLive = (executor: Executor): executor is LiveExecutor => executor.mode === 'live';

/** Syncs the pools, builds the stages on the synced state and follows the chain. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const clients = createChainClients(options.rpcUrls);
  const chainId = Number(BigInt((await clients.pool.request('eth_chainId', [])) as string));
  if (chainId !== options.expectedChainId) {
    throw new InputError(`the RPC endpoints serve chain ${chainId} but the pools to follow are of chain ${options.expectedChainId} (the snapshot's chainId)`);
  }
  const lenders = options.flashLenders ?? {};
  await checkLendersExist(clients, lenders, chainId);
  // A sim start joins a live session another process trades in (its writer lock held) instead of ending it.
  const session = await enterModeSession(options.store, options.mode, chainId, null, options.store.backend === 'postgres' ? (tx) => liveWriterHeld(tx, chainId) : undefined);
  const opened = await options.protections(session);
  const protectionTimes = new SampleRing();
  // Every ask of the rules is timed: the cost must never show in head → simulated plan.
  const protections: EngineProtections = {
    onBlock: (block) => opened.onBlock(block),
    observe: (result, route) => opened.observe(result, route),
    observeOutcome: (outcome) => opened.observeOutcome(outcome),
    setGasMoney: (money) => opened.setGasMoney(money),
    killSwitchReason: () => opened.killSwitchReason?.() ?? null,
    resendLock: (facts) => opened.resendLock?.(facts) ?? null,
    maxGasPrice: () => opened.maxGasPrice?.() ?? null,
    check(...args) {
      const started = performance.now();
      const lock = opened.check(...args);
      protectionTimes.record((performance.now() - started) * 1000);
      return lock;
    },
  };
  // Live: takes the writer lock, initialises the nonce and reconciles open intents before any block is decided.
  // Live: the funnel's execution part is counted again from the ledger each time the executor
  // has brought its execution rows up to date (they change after they are written: included,
  // reorged, final), one read after another. Before the writer exists (the start-up
  // reconciliation) there is nothing to update: the writer starts from the ledger.
  const funnelOf: { writer?: LedgerWriter } = {};
  let recount: Promise<void> = Promise.resolve();
  const recountExecutions = (): void => {
    const writing = funnelOf.writer;
    if (writing === undefined) return;
    recount = recount
      .then(async () => applyExecutionCounts(writing.funnel(), await readExecutionCounts(options.store, session.id)))
      .catch((error: unknown) => options.onTransientError?.(error));
  };
  const executor = await executorFor(options, clients.pool, chainId, session, {
    onSettled: (settled) => {
      protections.observeOutcome(settledOutcome(settled));
      options.onSettled?.(settled);
    },
    onLedgerSynced: recountExecutions,
    sendsStopped: () => protections.killSwitchReason?.() ?? null,
    resendRefusal: (facts) => {
      const lock = protections.resendLock?.(facts) ?? null;
      return lock === null ? null : `${lock.rule}: ${lock.reason}`;
    },
    maxGasPrice: () => protections.maxGasPrice?.() ?? null,
  });
  const live = isLive(executor) ? executor : null;
  const writer: LedgerWriter = createLedgerWriter({
    store: options.store, session, funnel: await readFunnel(options.store, session.id),
    ...(options.spillDir === undefined ? {} : { spillDir: options.spillDir }),
    ...(options.onTransientError ? { onFlushError: options.onTransientError } : {}),
  });
  funnelOf.writer = writer;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const latency = new BlockLatencyRing();
  const recent: SimulationResult[] = [];
  let best: LentOpportunity[] = [];
  let blocksScanned = 0;
  let lastFee: NextBlockFee | undefined;

  // The hot key's gas money, read every block (live: the gas-money rule stops planning below the floor).
  // Counted at the largest gas limit a plan gets: the table's, or a recent plan's crossing V3 ticks.
  const gasPerExecution = new GasPerExecution(largestGasLimit(options.maxHops, options.plan.gasLimitMarginBps));
  const gasMoney = options.execution === null ? null : createGasMoneyWatch({
    rpc: clients.pool,
    account: options.execution.hotKey,
    gasPerExecution: (block) => gasPerExecution.current(block),
    feePerGas: () => options.gasBid.maxFeePerGas ?? lastFee?.gasPrice ?? 0n,
    enforced: options.mode === 'live',
    onRead: (money) => {
      protections.setGasMoney(money);
      options.onGasMoney?.(money);
    },
    ...(options.onTransientError === undefined ? {} : { onError: options.onTransientError }),
  });
  if (live !== null && gasMoney !== null) {
    // Live: the first block is judged with the balance already known.
    gasMoney.onHead(BigInt((await clients.pool.request('eth_blockNumber', [])) as string));
    await gasMoney.idle();
  }

  const decider = createDecider({
    plan: { ...options.plan, gasBid: options.gasBid },
    account: options.execution === null ? null : { executor: options.execution.executor, from: options.execution.hotKey },
    ...(options.noExecutionReason === undefined ? {} : { noAccountReason: options.noExecutionReason }),
    guard: protections,
  });
  /** Per plan, its opportunity's route (the gate and the outcome counts need it). */
  const routeOf = new WeakMap<object, { opportunity: LentOpportunity; route: string }>();
  const record = createRecordStage(writer);
  let rank: RankStage | undefined;
  /** Market events that arrived while the rank stage was being built (handled in order once it is). */
  const early: MarketEvent[] = [];

  /**
   * The newest block's rest (its top `topCount` decided, recorded and handed on), while its turn
   * has not come: run first by whatever the engine handles next (the first part's simulated
   * event, the next market event, settle, stop), so blocks never interleave and a simulation's
   * result never arrives before the decision rows it links to.
   */
  let finishBlock: (() => void) | null = null;
  const finishPendingBlock = (): void => finishBlock?.();
  // Between blocks, the young generation is collected when the next block would likely fill it
  // (src/util/idle-collect.ts): the collection V8 would otherwise run inside a block's work.
  const idleCollector = createIdleCollector();
  /** Once this turn's I/O has run: if no block is in progress (none being decided, none executing), the engine is idle. */
  const collectWhenIdle = (): void => {
    setImmediate(() => {
      if (finishBlock === null && !execute.status().busy) idleCollector.afterBlock();
    });
  };
  /** Blocks whose latency sample is taken: at their first simulated part (the best plan's), or once decided when they had no plans. */
  const timed = new WeakSet<BlockClock>();
  const timeBlock = (block: bigint, clock: BlockClock): void => {
    if (timed.has(clock)) return;
    timed.add(clock);
    latency.record(block, clock);
  };

  const onSimulated = (event: SimulatedEvent): void => {
    finishPendingBlock();
    // Plans never run (skipped for a newer block, or their simulation failed on the RPC) are
    // planned again while their state lasts; a revert or a refusal stays decided.
    for (const { plan } of event.skipped) decider.retry(plan);
    for (const result of event.results) if (result.status === 'failed') decider.retry(result.plan);
    if (options.mode === 'sim') {
      for (const result of event.results) if (result.blocked === undefined) protections.observe(result, routeOf.get(result.plan)!.route);
    }
    record.simulated(event);
    recent.unshift(...event.results);
    recent.length = Math.min(recent.length, RECENT_SIMULATIONS);
    // A part skipped for a newer block while the block's first part still runs is not the
    // block's sample: that part's simulation is (the block is timed once, at its first part out).
    if (event.results.length > 0 || !execute.holds(event.clock)) timeBlock(event.header.number, event.clock);
    options.onSimulated?.(event);
    collectWhenIdle();
  };

  const ref: { market?: Awaited<ReturnType<typeof startMarketStage>> } = {};
  const execute = createExecuteStage({
    executor,
    head: () => ref.market!.head(),
    emit: onSimulated,
    gateFor: (event) => {
      const market = marketFacts({ header: event.header, fee: event.fee, freshness: { fresh: true, stateBlock: event.header.number, head: event.header.number, ageBlocks: 0 } });
      return (result) => {
        const { opportunity, route } = routeOf.get(result.plan)!;
        return protections.check('simulation', market, opportunity, route, result.plan, result);
      };
    },
  });

  // Each plan's route (the simulation gate asks by it) and gas limit (the gas money counts the largest).
  const notePlans = (decided: DecidedEvent): void => {
    for (const sighting of decided.sightings) {
      if (sighting.decision?.outcome !== 'planned') continue;
      routeOf.set(sighting.decision.plan, { opportunity: sighting.opportunity, route: routeKey(sighting.opportunity) });
      gasPerExecution.note(decided.header.number, sighting.decision.plan.gasLimit, decided.header.gasLimit);
    }
  };

  const onMarket = (event: MarketEvent): void => {
    if (rank === undefined) {
      early.push(event);
      return;
    }
    finishPendingBlock();
    const stage = rank;
    // Live: receipts, replacements and reorgs of open intents are tracked every block, queued
    // before this block's plans; the hot key's balance is read after the block's send (the
    // decision below judges by the last balance read either way: the read is not awaited).
    const readGasMoney = (): void => gasMoney?.onHead(event.header.number);
    if (live !== null) live.onHead(event.header, readGasMoney);
    else readGasMoney();
    // The block's best opportunity first, decided and handed to the executor alone: its
    // simulation request leaves, and the live executor signs, commits and sends it, before the
    // rest of the block is ranked (the walk to the top 1 stops long before the walk to the top 10
    // on a V3-heavy market). The plans reach the executor best first either way.
    const first = decider.decide(stage.rankBest(event));
    lastFee = first.fee;
    notePlans(first);
    if (first.plans.length > 0) execute.submit(first);
    const rest = (): void => {
      finishBlock = null;
      clearImmediate(turn);
      // It runs outside the market's turn (a later turn, or another event's handler): a throw is
      // reported, never let out, and the block is recorded with what was decided.
      let decided = first;
      try {
        const all = stage.rankAll(event);
        const decidedFirst = new Set(first.sightings.map((s) => stateKey(s.opportunity)));
        const others = decider.decide({ ...all, opportunities: all.opportunities.filter((o) => !decidedFirst.has(stateKey(o))) });
        notePlans(others);
        if (others.plans.length > 0) execute.submit(others);
        // The ledger, the telemetry and the callbacks see the block whole, as one decision.
        decided = { ...first, sightings: [...first.sightings, ...others.sightings], plans: [...first.plans, ...others.plans] };
        best = all.opportunities;
      } catch (error) {
        options.onTransientError?.(new Error(`block ${event.header.number}: ranking or deciding beyond its best opportunity failed; only the best is recorded: ${error instanceof Error ? error.message : String(error)}`));
        best = first.sightings.map((s) => s.opportunity);
      }
      blocksScanned += 1;
      try {
        record.decided(decided);
        options.onDecided?.(decided);
        if (decided.plans.length === 0) timeBlock(decided.header.number, decided.clock);
        options.onOpportunities?.(event.header.number, best);
      } catch (error) {
        options.onTransientError?.(error);
      }
      collectWhenIdle();
    };
    finishBlock = rest;
    // With a plan handed over, the rest waits for that part's simulated event (onSimulated runs
    // it first): the best plan's simulation, and live its signature, commit and broadcast, never
    // wait behind the ranking, recording and telemetry of the other nine. Without one, it runs in
    // the next turn. Either way before the next block (onMarket runs it first).
    const turn = first.plans.length === 0 ? setImmediate(rest) : undefined;
  };

  let market;
  try {
    market = await startMarketStage({
      clients,
      persistence: createMarketPersistence(options.store),
      chainId,
      baseFeeRule: baseFeeRuleFor(chainId, options.baseFeeRule),
      pools: options.pools,
      gasBid: options.gasBid,
      finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
      pollIntervalMs,
      maxStaleBlocks: options.maxStaleBlocks,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.onTransientError ? { onTransientError: options.onTransientError } : {}),
      // A due checkpoint waits for the block's executor work: its serialization and write stay
      // off the path from head to broadcast. Only that block's: a busy executor never starves it.
      deferCheckpoint: (save) => void execute.currentDone().catch(() => undefined).then(save),
      emit: onMarket,
    });
  } catch (error) {
    await live?.close();
    await writer.close(0);
    throw error;
  }
  ref.market = market;
  try {
    rank = createRankStage(market.start, {
      scanner: { bases: [...options.baseTokens], maxHops: options.maxHops, flash: scannerFlashOptions(lenders) },
      lenders: lenderAddresses(lenders),
      topCount: options.topCount ?? 10,
    });
  } catch (error) {
    await market.stop();
    await live?.close();
    await writer.close(0);
    throw error;
  }
  lastFee = market.start.fee;
  onMarket(market.start);
  for (const event of early.splice(0)) onMarket(event);
  // Started with the whole start block decided (top() answers at once).
  finishPendingBlock();
  const scanner = rank.scanner;

  return {
    session,
    status: () => ({
      mode: options.mode,
      session: { id: session.id.toString(), mode: session.mode, startedAt: session.startedAt.toISOString(), resumed: session.resumed },
      market: market.status(),
      scanner: scanner.stats(),
      blocksScanned,
      gasPrice: lastFee!.gasPrice.toString(),
      gas: gasStatus(lastFee!, options.gasBid),
      executor: {
        ...execute.status(),
        contract: options.execution?.executor ?? null,
        hotKey: options.execution?.hotKey ?? null,
        note: options.execution === null ? (options.noExecutionReason ?? null) : null,
        live: live?.status() ?? null,
      },
      resyncs: { execute: execute.status().resyncs },
      ledger: writer.status(),
      latency: latencyStatus(latency, market.headMode(), pollIntervalMs),
      protectionsUs: protectionTimes.summary(),
    }),
    top: () => best,
    fee: () => lastFee!,
    funnel: () => writer.funnel(),
    recentSimulations: () => recent,
    async settle() {
      finishPendingBlock();
      await execute.idle();
      await live?.idle();
      await writer.flush();
      await recount;
    },
    async stop() {
      await market.stop();
      finishPendingBlock();
      await execute.idle();
      await live?.idle();
      const ledger = await writer.close();
      // After the ledger's last flush: the executions rows can link to every decision now.
      await live?.close();
      await recount;
      return ledger;
    },
  };
}

function latencyStatus(ring: BlockLatencyRing, headMode: LatencyStatus['headMode'], pollIntervalMs: number): LatencyStatus {
  return {
    headMode,
    pollIntervalMs,
    note: headMode === 'polling'
      ? `heads are learned by polling every ${pollIntervalMs} ms (no WebSocket endpoint is subscribed): a block can wait up to that long before these figures start`
      : null,
    ...ring.summary(),
  };
}

function gasStatus(fee: NextBlockFee, policy: GasBidPolicy): EngineStatus['gas'] {
  return {
    block: fee.block.toString(),
    source: fee.source,
    rule: fee.rule ?? null,
    nextBaseFee: fee.nextBaseFee?.toString() ?? null,
    priorityFee: policy.priorityFee.toString(),
    maxFeePerGas: policy.maxFeePerGas?.toString() ?? null,
    pricedOut: fee.pricedOut,
  };
}
