import type { Address } from 'viem';
import { createBlockStream } from '../chain/block-stream.ts';
import { StateUnavailableError } from '../chain/rpc-errors.ts';
import type { RpcPool } from '../chain/rpc-pool.ts';
import { parseBlockHeader, toQuantity, type BlockRef } from '../chain/types.ts';
import { RuntimeFault } from '../errors.ts';
import { discoverPools } from './discovery.ts';
import { MarketState } from './market-state.ts';
import type { MarketPersistence, MarketPoolRow } from './persistence.ts';
import { POOL_STATE_TOPICS } from './pool-events.ts';
import { loadPoolsExcludingFailures, type PoolDescriptor } from './pool-loader.ts';
import { rowToPool, stateToJson } from './pool-state-json.ts';
import { SILENT_PROGRESS, type ProgressSink } from './progress.ts';
import type { HexAddress, SnapshotToken } from './snapshot.ts';
import { checkTokenSafety } from './token-safety.ts';
import { readTokenMetadata } from './token-metadata.ts';

/**
 * The initial sync: discover pools (factory events, or a given list), read their tokens'
 * metadata and check each token with a simulated transfer, then load pool states at one block
 * in chunks — every step checkpointed in the database, so a restart resumes where it stopped
 * (and a finished sync restarts from its stored state, the block stream catching up from there).
 */

/** Where the pools come from. */
export type SyncSource =
  | { kind: 'factories'; factories: readonly Address[]; fromBlock: bigint; v2Fee?: number }
  | { kind: 'pools'; pools: readonly { protocol: 'uniswap-v2' | 'uniswap-v3'; address: string; token0: string; token1: string; fee: number; tickSpacing?: number }[] };

/** Settings of the initial sync. */
export interface InitialSyncOptions {
  rpc: RpcPool;
  /** Where the sync checkpoints and pool states are kept (the engine hands in the store's). */
  persistence: MarketPersistence;
  chainId: number;
  source: SyncSource;
  /** Pools per load round (and per checkpoint write). */
  chunkSize?: number;
  progress?: ProgressSink;
  /** Test hook: stop (throw) after this many load rounds, as a crash would. */
  stopAfterRounds?: number;
}

/** What the sync did. */
export interface InitialSyncResult {
  state: MarketState;
  /** fresh: started from nothing; resumed: continued a partial sync; restored: loaded a finished one. */
  mode: 'fresh' | 'resumed' | 'restored';
  excluded: { address: string; reason: string }[];
  loadedThisRun: number;
}

const DEFAULT_V2_FEE = 3000;

/**
 * The checkpoint's block while it is on the canonical chain; null once a reorg took it out.
 * Found by hash alone is not enough: geth and many providers still answer `eth_getBlockByHash`
 * for a block reorged onto a side chain, and a checkpoint there would be restored and followed
 * from a block the chain no longer has (the block stream then finds no link, or worse, rolls
 * back past the state). So the canonical block at its height must carry the same hash.
 */
async function canonicalCheckpoint(rpc: RpcPool, checkpoint: { blockNumber: bigint; blockHash: string }): Promise<BlockRef | null> {
  const raw = await rpc.request('eth_getBlockByHash', [checkpoint.blockHash, false]);
  if (raw === null) return null;
  const byHash = parseBlockHeader(raw);
  if (byHash.number !== checkpoint.blockNumber) return null;
  // requireResult: a node without a block at that height is behind, not proof of a reorg.
  const canonical = parseBlockHeader(await rpc.request('eth_getBlockByNumber', [toQuantity(checkpoint.blockNumber), false], { requireResult: true }));
  return canonical.hash === byHash.hash ? byHash : null;
}

/** Runs (or resumes, or restores) the initial sync. */
export async function initialSync(options: InitialSyncOptions): Promise<InitialSyncResult> {
  const { rpc, persistence: repo, chainId } = options;
  const progress = options.progress ?? SILENT_PROGRESS;
  let sync = await repo.getSync(chainId);
  let at: BlockRef | null = null;
  if (sync !== undefined) {
    at = await canonicalCheckpoint(rpc, sync);
    // The checkpoint's block left the chain (a reorg while we were down): start over.
    if (at === null) {
      await repo.reset(chainId);
      sync = undefined;
      at = null;
    }
  }
  const mode: InitialSyncResult['mode'] = sync === undefined ? 'fresh' : sync.status === 'complete' ? 'restored' : 'resumed';
  if (at === null) at = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  if (sync === undefined) {
    sync = { chainId, blockNumber: at.number, blockHash: at.hash, discoveredTo: null, status: options.source.kind === 'factories' ? 'discovering' : 'loading' };
    await repo.saveSync(sync);
  }

  let loadedThisRun = 0;
  if (sync.status === 'discovering' && options.source.kind === 'factories') await discover(options, at, sync.discoveredTo, progress);
  // On every start, not only the first: the configured list may have changed since the last run.
  if (options.source.kind === 'pools') await trackConfiguredPools(repo, chainId, options.source.pools);
  // A finished sync loads again only pools added since (at its checkpoint block, like every other pool's state).
  if (sync.status !== 'complete' || (await repo.listPools(chainId, 'pending')).length > 0) {
    // The row as discovery left it (its discoveredTo), not as it was read before discovery ran.
    await repo.saveSync({ ...((await repo.getSync(chainId)) ?? sync), status: 'loading' });
    const loading = await loadAtOneBlock(options, repo, at, progress);
    at = loading.at;
    loadedThisRun = loading.loaded;
    const loadBlock = at;
    await repo.transaction(async (tx) => {
      const current = (await tx.getSync(chainId)) ?? (sync as NonNullable<typeof sync>);
      await tx.saveSync({ ...current, blockNumber: loadBlock.number, blockHash: loadBlock.hash, status: 'complete' });
      await tx.saveChainCheckpoint({ chainId, blockNumber: loadBlock.number, blockHash: loadBlock.hash });
    });
  }
  return { ...(await restore(repo, chainId, at)), mode, loadedThisRun };
}

/** Why a pool that was tracked is no more: the configured pool list no longer names it. */
export const NOT_CONFIGURED = 'not in the configured pool list (removed since it was loaded)';

/**
 * Makes the stored pools follow the configured list: pools new to it are added (pending: the load
 * stage reads them), pools no longer in it are excluded with {@link NOT_CONFIGURED} (their state
 * dropped, so they are neither followed nor restored stale, and listed in `excluded`), and a pool
 * put back in the list after such a removal is pending again (its old state is out of date).
 */
async function trackConfiguredPools(repo: MarketPersistence, chainId: number, configured: Extract<SyncSource, { kind: 'pools' }>['pools']): Promise<void> {
  const addresses = new Set(configured.map((p) => p.address.toLowerCase()));
  const rows = await repo.listPools(chainId, 'all');
  const removed = rows.filter((r) => !addresses.has(r.address) && r.excludedReason !== NOT_CONFIGURED);
  const restored = rows.filter((r) => addresses.has(r.address) && r.excludedReason === NOT_CONFIGURED);
  await repo.transaction(async (tx) => {
    await tx.addPools(chainId, configured.map((p) => ({
      address: p.address.toLowerCase(), protocol: p.protocol, token0: p.token0.toLowerCase(), token1: p.token1.toLowerCase(), fee: p.fee, tickSpacing: p.tickSpacing ?? null,
    })));
    await tx.updatePools(chainId, [
      ...removed.map((r) => ({ address: r.address, state: null, excludedReason: NOT_CONFIGURED })),
      ...restored.map((r) => ({ address: r.address, state: null, excludedReason: null })),
    ]);
  });
}

async function discover(options: InitialSyncOptions, at: BlockRef, discoveredTo: bigint | null, progress: ProgressSink): Promise<void> {
  const source = options.source as Extract<SyncSource, { kind: 'factories' }>;
  const from = discoveredTo === null ? source.fromBlock : discoveredTo + 1n;
  progress.start('discovery (blocks)', Number(at.number - from + 1n));
  let last = from - 1n;
  const result = await discoverPools({
    rpc: options.rpc,
    factories: source.factories,
    fromBlock: from,
    toBlock: at.number,
    // Each chunk's pools and the scanned height are written together: a restart scans on from there.
    onChunk: async (scannedTo, pools) => {
      await options.persistence.transaction(async (r) => {
        await r.addPools(options.chainId, pools.map((p) => ({
          address: p.address, protocol: p.protocol, token0: p.token0, token1: p.token1, fee: p.fee ?? source.v2Fee ?? DEFAULT_V2_FEE, tickSpacing: p.tickSpacing ?? null,
        })));
        const current = await r.getSync(options.chainId);
        if (current) await r.saveSync({ ...current, discoveredTo: scannedTo });
      });
      progress.advance(Number(scannedTo - last));
      last = scannedTo;
    },
  });
  progress.done(`${result.pools.length} pools in ${result.requests} getLogs requests (${result.shrinks} chunk shrinks)`);
}

async function checkTokens(options: InitialSyncOptions, repo: MarketPersistence, at: BlockRef): Promise<void> {
  const pools = await repo.listPools(options.chainId, 'pending');
  const known = new Set((await repo.listTokens(options.chainId)).map((t) => t.address));
  const holder = new Map<string, string>();
  for (const p of pools) for (const t of [p.token0, p.token1]) if (!known.has(t) && !holder.has(t)) holder.set(t, p.address);
  const tokens = [...holder.keys()] as Address[];
  if (tokens.length === 0) return;
  const [metadata, safety] = await Promise.all([
    readTokenMetadata(options.rpc, at, tokens),
    checkTokenSafety(options.rpc, at, tokens.map((token) => ({ token, holder: holder.get(token) as Address }))),
  ]);
  await repo.saveTokens(options.chainId, metadata.map((m, i) => {
    const verdict = safety[i];
    return { address: m.address, symbol: m.symbol, name: m.name, decimals: m.decimals, decimalsKnown: m.decimalsKnown, unsafeReason: verdict && !verdict.safe ? verdict.reason : null };
  }));
}

function describePool(row: MarketPoolRow, tokens: ReadonlyMap<string, SnapshotToken>): PoolDescriptor {
  return {
    protocol: row.protocol, address: row.address as HexAddress, fee: row.fee,
    ...(row.tickSpacing === null ? {} : { tickSpacing: row.tickSpacing }),
    token0: tokens.get(row.token0) as SnapshotToken, token1: tokens.get(row.token1) as SnapshotToken,
  };
}

/** Re-pins in a row without a pool loaded between them, before the sync gives up (the node refuses even fresh blocks). */
const MAX_REPINS_WITHOUT_PROGRESS = 3;

/** The node answers "state unavailable" even at blocks just re-pinned to: loading cannot go on against it. */
export class StateUnavailableAtHeadError extends RuntimeFault {}

/**
 * The load stage (token checks, then the pending pools in chunks) with every state read at ONE
 * block — the checkpoint the follower applies logs after. On a node that prunes old state (geth
 * keeps ~128 blocks), a long load outlives its block: the node then answers "missing trie node"
 * or "historical state … not available" (StateUnavailableError), which is no pool's fault. The
 * load then re-pins ({@link repin}) to the head and goes on there. Returns the block the load
 * ended at, and the pools loaded.
 */
async function loadAtOneBlock(options: InitialSyncOptions, repo: MarketPersistence, from: BlockRef, progress: ProgressSink): Promise<{ at: BlockRef; loaded: number }> {
  const counter = { loaded: 0 };
  let at = from;
  let repinsWithoutProgress = 0;
  for (;;) {
    const before = counter.loaded;
    try {
      await checkTokens(options, repo, at);
      await loadPending(options, repo, at, progress, counter);
      return { at, loaded: counter.loaded };
    } catch (error) {
      if (!(error instanceof StateUnavailableError)) throw error;
      repinsWithoutProgress = counter.loaded > before ? 1 : repinsWithoutProgress + 1;
      if (repinsWithoutProgress > MAX_REPINS_WITHOUT_PROGRESS) {
        throw new StateUnavailableAtHeadError(`the node answers that the state is unavailable even at block ${at.number}, just re-pinned to: ${error.rpcMessage}`, { cause: error });
      }
      at = await repin(options, repo, at);
    }
  }
}

/**
 * Moves the sync's load block from `at` (its state pruned on the node) to the node's head. The
 * pools already loaded at `at` are brought along by the logs of the blocks between, through the
 * block stream exactly as the follower does after a checkpoint (logs are not pruned; re-reading
 * them could outlive the new block again), so every stored state stays at one block. Their new
 * states and the new block land in one transaction: a restart resumes at the new block. A reorg
 * below `at` meanwhile fails the stream (ReorgTooDeepError); the restart then finds `at` off the
 * chain and starts over. Pools excluded at `at` for their own reasons stay excluded. With
 * factories as the source, the blocks between are scanned for pools created there.
 */
async function repin(options: InitialSyncOptions, repo: MarketPersistence, at: BlockRef): Promise<BlockRef> {
  const tokens = new Map((await repo.listTokens(options.chainId)).map((t) => [t.address, { address: t.address as HexAddress, symbol: t.symbol, decimals: t.decimals }]));
  const state = new MarketState(options.chainId, at, (await repo.listPools(options.chainId, 'loaded')).map((r) => rowToPool(r, tokens)));
  const changed = new Set<string>();
  const stream = createBlockStream({
    pool: options.rpc, from: at, finalityDepth: REPIN_FINALITY_DEPTH, topics: POOL_STATE_TOPICS,
    isTracked: (a) => state.isTracked(a), trackedAddresses: () => state.poolMap().keys(),
    onEvent: (event) => state.handle(event)?.changed.forEach((a) => changed.add(a)),
  });
  await stream.sync();
  const moved = state.block as BlockRef;
  // Pools created since `at` exist at the new block: discovered now, they are loaded with the rest.
  if (options.source.kind === 'factories') await discover(options, moved, at.number, SILENT_PROGRESS);
  await repo.transaction(async (tx) => {
    await tx.updatePools(options.chainId, poolStateUpdates(state, changed));
    const current = await tx.getSync(options.chainId);
    if (current) await tx.saveSync({ ...current, blockNumber: moved.number, blockHash: moved.hash });
  });
  return moved;
}

/** Blocks a re-pin's catch-up keeps for rollback (a reorg deeper than this restarts the sync). */
const REPIN_FINALITY_DEPTH = 64;

async function loadPending(options: InitialSyncOptions, repo: MarketPersistence, at: BlockRef, progress: ProgressSink, counter: { loaded: number }): Promise<void> {
  const chunkSize = options.chunkSize ?? 200;
  const tokenRows = await repo.listTokens(options.chainId);
  const unsafe = new Map(tokenRows.filter((t) => t.unsafeReason !== null).map((t) => [t.address, t.unsafeReason as string]));
  const tokens = new Map(tokenRows.map((t) => [t.address, { address: t.address as HexAddress, symbol: t.symbol, decimals: t.decimals }]));
  const pending = await repo.listPools(options.chainId, 'pending');
  const excluded = pending.flatMap((p) => {
    const bad = [p.token0, p.token1].find((t) => unsafe.has(t));
    return bad === undefined ? [] : [{ address: p.address, state: null, excludedReason: `token ${bad}: ${unsafe.get(bad)}` }];
  });
  await repo.updatePools(options.chainId, excluded);
  const excludedSet = new Set(excluded.map((e) => e.address));
  const todo = pending.filter((p) => !excludedSet.has(p.address));
  progress.start('loading pools', todo.length);
  let loaded = 0;
  for (let i = 0, round = 0; i < todo.length; i += chunkSize, round += 1) {
    if (options.stopAfterRounds !== undefined && round >= options.stopAfterRounds) throw new Error(`stopped after ${round} load rounds (test hook)`);
    const chunk = todo.slice(i, i + chunkSize);
    const results = await loadPoolsExcludingFailures(options.rpc, at, chunk.map((p) => describePool(p, tokens)));
    const updates = results.map((r) => ('pool' in r
      ? { address: r.pool.snapshot.address as string, state: stateToJson(r.pool), excludedReason: null }
      : { address: r.address, state: null, excludedReason: r.reason }));
    await repo.updatePools(options.chainId, updates);
    loaded += chunk.length;
    counter.loaded += chunk.length;
    progress.advance(chunk.length);
  }
  progress.done(`${loaded} pools loaded, ${excluded.length} excluded for unsafe tokens`);
}

async function restore(repo: MarketPersistence, chainId: number, at: BlockRef): Promise<{ state: MarketState; excluded: { address: string; reason: string }[] }> {
  const tokens = new Map((await repo.listTokens(chainId)).map((t) => [t.address, { address: t.address as HexAddress, symbol: t.symbol, decimals: t.decimals }]));
  const rows = await repo.listPools(chainId, 'all');
  const pools = rows.filter((r) => r.state !== null).map((r) => rowToPool(r, tokens));
  const excluded = rows.filter((r) => r.excludedReason !== null).map((r) => ({ address: r.address, reason: r.excludedReason as string }));
  return { state: new MarketState(chainId, at, pools), excluded };
}

/**
 * Writes the live state of `changed` pools and moves the checkpoint to the state's block, in one
 * transaction, so a restart resumes from here (the block stream catches up from this block).
 */
export async function saveMarketCheckpoint(persistence: MarketPersistence, state: MarketState, changed: Iterable<string>): Promise<void> {
  const block = state.block;
  if (block === null) return;
  const updates = poolStateUpdates(state, changed);
  await persistence.transaction(async (tx) => {
    await tx.updatePools(state.chainId, updates);
    const current = await tx.getSync(state.chainId);
    await tx.saveSync({ chainId: state.chainId, blockNumber: block.number, blockHash: block.hash, discoveredTo: current?.discoveredTo ?? null, status: 'complete' });
    await tx.saveChainCheckpoint({ chainId: state.chainId, blockNumber: block.number, blockHash: block.hash });
  });
}

/** The stored form of the live state of each of `changed` pools. */
function poolStateUpdates(state: MarketState, changed: Iterable<string>): { address: string; state: Record<string, unknown>; excludedReason: null }[] {
  return [...new Set(changed)].flatMap((address) => {
    const pool = state.pool(address);
    if (pool === undefined) return [];
    const gross = state.liquidityGross(address);
    return [{ address, state: stateToJson({ snapshot: pool.toSnapshot(), ...(gross ? { liquidityGross: gross } : {}) }), excludedReason: null }];
  });
}
