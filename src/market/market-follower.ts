import type { ChainClients } from '../chain/clients.ts';
import type { HeadMode } from '../chain/heads.ts';
import type { PoolEndpointView } from '../chain/rpc-pool.ts';
import { startChainMonitor, type BlockTiming, type ChainMonitor, type ChainMonitorStatus } from '../chain/monitor.ts';
import type { BlockHeader, BlockRef, ChainEvent } from '../chain/types.ts';
import type { AppliedBlock, MarketState } from './market-state.ts';
import type { MarketPersistence } from './persistence.ts';
import { POOL_STATE_TOPICS } from './pool-events.ts';
import type { ProgressSink } from './progress.ts';
import type { HexAddress } from './snapshot.ts';
import { forkQuarantines, StalenessGuard, type Freshness } from './staleness.ts';
import { initialSync, saveMarketCheckpoint, type InitialSyncResult, type SyncSource } from './sync.ts';

/**
 * The chain monitor and the market state wired together: initial sync (or resume), then the
 * block stream applying every block to the state, a checkpoint every few blocks, and the
 * staleness guard (heads, and the block hash at our height) re-judged on every poll, which also
 * quarantines in the RPC pool the endpoints it finds on another fork. What the engine composes; `status()` is what /health shows.
 */

/** Settings of the follower. */
export interface MarketFollowerOptions {
  clients: ChainClients;
  /** Where checkpoints and pool states are kept (handed in: the market imports no database code). */
  persistence: MarketPersistence;
  chainId: number;
  source: SyncSource;
  finalityDepth: number;
  pollIntervalMs: number;
  maxStaleBlocks: number;
  /** Write the state to the database every this many applied blocks (and on stop). */
  checkpointEveryBlocks?: number;
  /**
   * Runs a due checkpoint later instead of in the block's own turn: the engine runs it once the
   * block's executor work is done, so serializing the state and writing it stay off the path from
   * head to broadcast. Absent: at once, awaited before the next block is applied.
   */
  deferCheckpoint?: (save: () => Promise<void>) => void;
  progress?: ProgressSink;
  /**
   * Each applied block (what changed, and its header: the next base fee follows from it), e.g.
   * for the scanner; `timing` says when its head was heard of and when it was fetched (the state
   * is applied when this is called).
   */
  onBlock?: (applied: AppliedBlock, header: BlockHeader, timing: BlockTiming) => void | Promise<void>;
  onReorg?: (ancestor: BlockRef, changed: string[]) => void | Promise<void>;
  onTransientError?: (error: unknown) => void;
  onModeChange?: (mode: HeadMode, reason: string) => void;
}

/** Health view of the follower. */
export interface MarketFollowerStatus {
  monitor: ChainMonitorStatus;
  freshness: Freshness;
  /** Per endpoint: health, and whether reads avoid it (quarantined on another fork). */
  endpoints: PoolEndpointView[];
  pools: number;
  excluded: number;
}

/** A running follower. */
export interface MarketFollower {
  state: MarketState;
  sync: InitialSyncResult;
  guard: StalenessGuard;
  monitor: ChainMonitor;
  status(): MarketFollowerStatus;
  stop(): Promise<void>;
}

/** Syncs, then follows the chain. */
export async function startMarketFollower(options: MarketFollowerOptions): Promise<MarketFollower> {
  const { clients, persistence } = options;
  const sync = await initialSync({ rpc: clients.pool, persistence, chainId: options.chainId, source: options.source, ...(options.progress ? { progress: options.progress } : {}) });
  const state = sync.state;
  const guard = new StalenessGuard({ maxStaleBlocks: options.maxStaleBlocks });
  const every = options.checkpointEveryBlocks ?? 10;
  const dirty = new Set<string>();
  let sinceCheckpoint = 0;
  /** The checkpoints in order, one at a time (a deferred one may still run when the next is due). */
  let saving: Promise<void> = Promise.resolve();
  let deferred = false;

  // Writes the state as it is when its turn comes: the pools changed since the last checkpoint,
  // taken (and serialized) synchronously at its start; given back if the write fails.
  const checkpoint = (): Promise<void> => {
    const run = saving.then(async () => {
      if (sinceCheckpoint === 0 && dirty.size === 0) return;
      const changed = [...dirty];
      dirty.clear();
      sinceCheckpoint = 0;
      try {
        await saveMarketCheckpoint(persistence, state, changed);
      } catch (error) {
        for (const address of changed) dirty.add(address);
        sinceCheckpoint = Math.max(sinceCheckpoint, 1);
        throw error;
      }
    });
    saving = run.catch(() => undefined);
    return run;
  };
  const checkpointDue = async (): Promise<void> => {
    if (options.deferCheckpoint === undefined) return checkpoint();
    if (deferred) return;
    deferred = true;
    options.deferCheckpoint(() => {
      deferred = false;
      return checkpoint().catch((error: unknown) => options.onTransientError?.(error));
    });
  };

  /**
   * Pools whose change a failed onBlock/onReorg did not hand on: handed on with the next block.
   * What runs downstream of the state (the engine's stages) failing on a block must not reach the
   * stream: the state already holds the block, the stream would deliver it again, and the state
   * would refuse it as not extending it — a fault that is not retryable, so chain following
   * stopped for good on one transient failure downstream.
   */
  const undelivered = new Set<HexAddress>();
  const handOn = async (changed: readonly HexAddress[], deliver: (changed: HexAddress[]) => void | Promise<void> | undefined): Promise<void> => {
    for (const address of changed) undelivered.add(address);
    const all = [...undelivered];
    try {
      await deliver(all);
      for (const address of all) undelivered.delete(address);
    } catch (error) {
      options.onTransientError?.(error);
    }
  };

  const onEvent = async (event: ChainEvent, timing: BlockTiming | null): Promise<void> => {
    if (event.type === 'block') {
      const applied = state.applyBlock(event);
      applied.changed.forEach((a) => dirty.add(a));
      sinceCheckpoint += 1;
      // The monitor times every block event it delivers (null only for reorg and finalized).
      await handOn(applied.changed, (changed) => options.onBlock?.({ ...applied, changed }, event.block, timing!));
      if (sinceCheckpoint >= every) await checkpointDue();
    } else if (event.type === 'reorg') {
      const changed = state.rollBack(event);
      changed.forEach((a) => dirty.add(a));
      sinceCheckpoint += 1;
      await handOn(changed, (all) => options.onReorg?.(event.commonAncestor, all));
    } else {
      state.finalize(event.block);
    }
  };

  const at = state.block;
  if (at === null) throw new Error('initial sync returned a state without a block');
  const monitor = startChainMonitor({
    pool: clients.pool,
    wsUrls: clients.wsUrls,
    from: at,
    finalityDepth: options.finalityDepth,
    pollIntervalMs: options.pollIntervalMs,
    topics: POOL_STATE_TOPICS,
    isTracked: (a) => state.isTracked(a),
    trackedAddresses: () => state.poolMap().keys(),
    onEvent,
    ...(options.onTransientError ? { onTransientError: options.onTransientError } : {}),
    ...(options.onModeChange ? { onModeChange: options.onModeChange } : {}),
  });
  // Freshness is judged on each poll, independent of the stream: every endpoint's head, and its
  // block at our state's height (same HTTP batch), so an endpoint on another fork is seen.
  let stopped = false;
  const judge = async (): Promise<void> => {
    if (stopped) return;
    try {
      // The block is taken before the probe: the verdict is about the block the probe asked for.
      const at = state.block;
      const probes = await clients.pool.probe(at?.number);
      guard.observe(at, probes);
      // Reads stop going to an endpoint on another fork than our state until it holds our block again.
      for (const [url, reason] of forkQuarantines(at, probes)) clients.pool.setQuarantined(url, reason);
    } catch (error) {
      options.onTransientError?.(error);
    }
    if (!stopped) timer = setTimeout(() => void judge(), options.pollIntervalMs);
  };
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => void judge(), 0);

  return {
    state,
    sync,
    guard,
    monitor,
    status: () => ({
      monitor: monitor.status(),
      freshness: guard.verdict(),
      endpoints: clients.pool.health(),
      pools: state.poolCount,
      excluded: sync.excluded.length,
    }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await monitor.stop();
      await checkpoint();
    },
  };
}
