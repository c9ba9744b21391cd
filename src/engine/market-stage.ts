import type { ChainClients } from '../chain/clients.ts';
import type { BlockTiming } from '../chain/monitor.ts';
import { baseFeeRuleFor, legacyBlockFee, nextBlockFee, type BaseFeeRule, type GasBidPolicy, type NextBlockFee } from '../chain/next-base-fee.ts';
import { parseBlockHeader, type BlockHeader, type BlockRef } from '../chain/types.ts';
import type { MarketPersistence } from '../market/persistence.ts';
import { startMarketFollower, type MarketFollower, type MarketFollowerStatus } from '../market/market-follower.ts';
import type { ProgressSink } from '../market/progress.ts';
import type { PoolSnapshot } from '../market/snapshot.ts';
import { V3Pool } from '../market/v3-pool.ts';
import type { V3State } from '../scanner/v3-pools.ts';
import type { MarketEvent, PoolChange } from './events.ts';


/**
 * Stage ①–②: the market follower (initial sync, block stream, reorgs, checkpoints, staleness
 * guard) turned into `market` events. Each event carries the changed pools' new states, the
 * block's header, the next block's fee (from the header on an EIP-1559 chain: no round trip)
 * and the guard's verdict, so the stages after it never reach back into the market. This
 * stage owns all of the market's I/O; the ones after it until the executor do none.
 */

/** Settings of the market stage. */
export interface MarketStageOptions {
  clients: ChainClients;
  persistence: MarketPersistence;
  chainId: number;
  /** How the next base fee is computed; absent = by `chainId` (baseFeeRuleFor). */
  baseFeeRule?: BaseFeeRule;
  pools: readonly PoolSnapshot[];
  gasBid: GasBidPolicy;
  finalityDepth: number;
  pollIntervalMs: number;
  maxStaleBlocks: number;
  progress?: ProgressSink;
  onTransientError?: (error: unknown) => void;
  /** When a due market checkpoint runs (src/market/market-follower.ts); absent: in the block's own turn. */
  deferCheckpoint?: (save: () => Promise<void>) => void;
  /** Each market event, in block order; awaited before the next block is applied. */
  emit: (event: MarketEvent) => void | Promise<void>;
}

/** A running market stage. */
export interface MarketStage {
  /** The synced start: one event holding the whole market (what the scanner is built from). */
  start: MarketEvent;
  /** The newest block applied (what the executor simulates on). */
  head(): BlockHeader;
  status(): MarketFollowerStatus;
  headMode(): 'websocket' | 'polling';
  stop(): Promise<void>;
}

/** The fee per gas for the block after `header`; a chain without a base fee asks the node. */
async function feeAfter(clients: ChainClients, header: BlockHeader, policy: GasBidPolicy, rule: BaseFeeRule): Promise<NextBlockFee> {
  // Pre-London: no base fee to derive from, so one eth_gasPrice per block (acceptable there:
  // such chains are not the latency target, and the node's answer is the only estimate).
  return nextBlockFee(header, policy, rule) ?? { ...legacyBlockFee(header.number, BigInt((await clients.pool.request('eth_gasPrice', [])) as string), policy), rule: rule.name };
}

async function headerOf(clients: ChainClients, block: BlockRef): Promise<BlockHeader> {
  return parseBlockHeader(await clients.pool.request('eth_getBlockByHash', [block.hash, false], { requireResult: true }));
}

/**
 * The current state of `addresses` as changes (pools the follower excluded are left out). A V3
 * pool's tick map goes with it only when it changed since it was last handed on: a Mint or Burn
 * raises `tickMapVersion`, and so does a reorg's undo of one (src/market/market-state.ts undoes
 * through `setTick`); a pool object not seen before (none appears after the start, which records
 * every map it hands on) counts as changed. After a Swap only the price, tick and liquidity go,
 * so the scanner keeps its tick arrays and what it caches per map without copying or comparing
 * the map (thousands of ticks on a dense pool) on every block.
 */
function changesOf(follower: MarketFollower, addresses: Iterable<string>, sentTickMaps: WeakMap<V3Pool, number>): PoolChange[] {
  const changes: PoolChange[] = [];
  for (const address of addresses) {
    const pool = follower.state.pool(address);
    if (pool === undefined) continue;
    if (pool instanceof V3Pool) {
      const state: V3State = { sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity };
      if (sentTickMaps.get(pool) !== pool.tickMapVersion) {
        state.ticks = pool.tickEntries();
        sentTickMaps.set(pool, pool.tickMapVersion);
      }
      changes.push({ protocol: 'uniswap-v3', address, state });
    } else {
      changes.push({ protocol: 'uniswap-v2', address, reserve0: pool.reserve0, reserve1: pool.reserve1 });
    }
  }
  return changes;
}

/** Syncs the pools and starts following the chain. */
export async function startMarketStage(options: MarketStageOptions): Promise<MarketStage> {
  const { clients } = options;
  // The chain's own base fee rule (OP-stack, Arbitrum and Ethereum differ); a chain not in the
  // table is priced by Ethereum's, which /health names as assumed (gas.rule).
  const feeRule = options.baseFeeRule ?? baseFeeRuleFor(options.chainId);
  let fee: NextBlockFee | undefined;
  let head: BlockHeader | undefined;
  // Blocks can arrive while startMarketFollower is still returning: they are applied to the
  // state (and so are in the start event's snapshot) but emitted only once the start exists.
  let started = false;

  const reprice = async (header: BlockHeader): Promise<void> => {
    try {
      fee = await feeAfter(clients, header, options.gasBid, feeRule);
    } catch (error) {
      // Keep the previous fee rather than fail the block (the state is already applied; a throw
      // here would make the stream replay it); the next block reprices.
      options.onTransientError?.(error);
    }
  };

  const ref: { follower?: MarketFollower } = {};
  // Per V3 pool object: the tick map version last handed on (the start event hands on every map).
  const sentTickMaps = new WeakMap<V3Pool, number>();
  const follower = await startMarketFollower({
    clients,
    persistence: options.persistence,
    chainId: options.chainId,
    source: {
      kind: 'pools',
      pools: options.pools.map((p) => ({
        protocol: p.protocol, address: p.address, token0: p.token0.address, token1: p.token1.address, fee: p.fee,
        ...(p.protocol === 'uniswap-v3' ? { tickSpacing: p.tickSpacing } : {}),
      })),
    },
    finalityDepth: options.finalityDepth,
    pollIntervalMs: options.pollIntervalMs,
    maxStaleBlocks: options.maxStaleBlocks,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.onTransientError ? { onTransientError: options.onTransientError } : {}),
    ...(options.deferCheckpoint ? { deferCheckpoint: options.deferCheckpoint } : {}),
    onBlock: async (applied, header: BlockHeader, timing: BlockTiming) => {
      await reprice(header);
      head = header;
      if (!started || ref.follower === undefined || fee === undefined) return;
      const appliedAt = performance.now();
      await options.emit({
        type: 'market', cause: 'block', header, changes: changesOf(ref.follower, applied.changed, sentTickMaps), fee, freshness: ref.follower.guard.verdict(),
        clock: { timing, appliedAt },
      });
    },
    onReorg: async (ancestor, changed) => {
      // The fee came from a dropped block: reprice from the ancestor (a round trip, reorgs are rare).
      const header = await headerOf(clients, ancestor);
      await reprice(header);
      head = header;
      if (!started || ref.follower === undefined || fee === undefined) return;
      await options.emit({
        type: 'market', cause: 'reorg', header, changes: changesOf(ref.follower, changed, sentTickMaps), fee, freshness: ref.follower.guard.verdict(),
        clock: { timing: null, appliedAt: performance.now() },
      });
    },
  });
  ref.follower = follower;

  try {
    const at = follower.state.block;
    if (at === null) throw new Error('the market follower returned a state without a block');
    // The state may have moved past `at` while the header was fetched: start from the newest.
    const startHeader = head ?? (await headerOf(clients, at));
    if (fee === undefined) {
      const atSync = await feeAfter(clients, startHeader, options.gasBid, feeRule);
      fee ??= atSync;
    }
    head ??= startHeader;
    // The start hands on every tick map: later events add a map only when it changed since.
    for (const pool of follower.state.poolMap().values()) if (pool instanceof V3Pool) sentTickMaps.set(pool, pool.tickMapVersion);
    const start: MarketEvent = {
      type: 'market', cause: 'start', header: head, changes: [], market: follower.state.toSnapshot(), fee: fee!,
      freshness: follower.guard.verdict(), clock: { timing: null, appliedAt: performance.now() },
    };
    started = true;
    return {
      start,
      head: () => head!,
      status: () => follower.status(),
      headMode: () => follower.monitor.status().mode,
      stop: () => follower.stop(),
    };
  } catch (error) {
    await follower.stop();
    throw error;
  }
}
