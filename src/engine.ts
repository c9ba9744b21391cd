import { createChainClients, type ChainClients } from './chain/clients.ts';
import type { BlockTiming } from './chain/monitor.ts';
import { legacyBlockFee, nextBlockFee, type GasBidPolicy, type NextBlockFee } from './chain/next-base-fee.ts';
import { parseBlockHeader, type BlockHeader, type BlockRef } from './chain/types.ts';
import { BlockLatencyRing, type BlockLatencySummary } from './engine/block-latency.ts';
import { checkLendersExist, lenderAddresses, scannerFlashOptions, type FlashLenderSettings } from './engine/flash-lenders.ts';
import { InputError } from './errors.ts';
import type { AppliedBlock } from './market/market-state.ts';
import { startMarketFollower, type MarketFollower, type MarketFollowerStatus } from './market/market-follower.ts';
import type { ProgressSink } from './market/progress.ts';
import type { PoolSnapshot } from './market/snapshot.ts';
import { V3Pool } from './market/v3-pool.ts';
import { Scanner } from './scanner/scanner.ts';
import { withFlashLender, type LentOpportunity } from './scanner/flash-lender.ts';
import { opportunityToJson } from './format/opportunity-format.ts';
import type { Store } from './store/types.ts';

/**
 * The engine's composition root, as far as the pipeline exists: the market follower (initial
 * sync, block stream, reorgs, checkpoints, staleness guard) feeds each applied block's changed
 * pools into the scanner, which re-ranks only the cycles through them. Gas is priced for the
 * next block from the applied block's header (EIP-1559), with no RPC call between a new head
 * and the ranking. Flash loans come only from lenders that exist on the followed chain: the
 * pools themselves, plus a Balancer Vault or Aave Pool when configured. Decisions
 * (orchestrator, sim/live executor) plug in after `onOpportunities` when they land. Every block
 * is timed from the moment its head was heard of to `onOpportunities` (src/engine/block-latency.ts).
 */

/** Settings of the engine. */
export interface EngineOptions {
  store: Store;
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
  /** Balancer / Aave lenders on this chain (default: none). */
  flashLenders?: FlashLenderSettings;
  /** Blocks after which a block is final (the reorg window). */
  finalityDepth?: number;
  pollIntervalMs?: number;
  progress?: ProgressSink;
  /** Called after each block with the best opportunities (at most `topCount`). */
  onOpportunities?: (block: bigint, opportunities: LentOpportunity[]) => void;
  /** How many of the best opportunities to keep per block (default 10). */
  topCount?: number;
  onTransientError?: (error: unknown) => void;
}

/** What /health shows of the engine. */
export interface EngineStatus {
  market: MarketFollowerStatus;
  scanner: { pools: number; cycles: number; ranked: number };
  blocksScanned: number;
  /** Microseconds the last block's re-ranking took. */
  lastScanUs: number;
  /** Wei per gas the ranking used: the next block's base fee + priority fee, capped (decimal string). */
  gasPrice: string;
  /** How that gas price was found (wei amounts as decimal strings). */
  gas: {
    /** The block it was derived from; it prices the block after. */
    block: string;
    source: NextBlockFee['source'];
    nextBaseFee: string | null;
    priorityFee: string;
    maxFeePerGas: string | null;
    /** The cap is below the next base fee: nothing of ours can be included in that block. */
    pricedOut: boolean;
  };
  /** The best opportunities at the last block, amounts as decimal strings. */
  top: Record<string, unknown>[];
  /** Head-to-decision latency of the recent blocks, by stage (src/engine/block-latency.ts). */
  latency: LatencyStatus;
}

/** The latency figures and how heads are learned now (which bounds them). */
export interface LatencyStatus extends BlockLatencySummary {
  /** `websocket`: newHeads notifications; `polling`: a poll every `pollIntervalMs`. */
  headMode: 'websocket' | 'polling';
  pollIntervalMs: number;
  /** Set while polling: the figures start when a poll finds the head, not when the block was made. */
  note: string | null;
}

/** A running engine. */
export interface Engine {
  status(): EngineStatus;
  /** The best opportunities at the last scanned block, each with its flash lender's address. */
  top(): readonly LentOpportunity[];
  stop(): Promise<void>;
}

const DEFAULT_FINALITY_DEPTH = 64;
const DEFAULT_POLL_INTERVAL_MS = 250;
/** The fee per gas for the block after `header`; a chain without a base fee asks the node. */
async function feeAfter(clients: ChainClients, header: BlockHeader, policy: GasBidPolicy): Promise<NextBlockFee> {
  // Pre-London: no base fee to derive from, so one eth_gasPrice per block (acceptable there:
  // such chains are not the latency target, and the node's answer is the only estimate).
  return nextBlockFee(header, policy) ?? legacyBlockFee(header.number, BigInt((await clients.pool.request('eth_gasPrice', [])) as string), policy);
}

/** The header of a block we already know, by hash (any endpoint that lacks it is skipped). */
async function headerOf(clients: ChainClients, block: BlockRef): Promise<BlockHeader> {
  return parseBlockHeader(await clients.pool.request('eth_getBlockByHash', [block.hash, false], { requireResult: true }));
}

/** Syncs the pools, builds the scanner on the synced state and follows the chain. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const clients = createChainClients(options.rpcUrls);
  const chainId = Number(BigInt((await clients.pool.request('eth_chainId', [])) as string));
  if (chainId !== options.expectedChainId) {
    throw new InputError(`the RPC endpoints serve chain ${chainId} but the pools to follow are of chain ${options.expectedChainId} (the snapshot's chainId)`);
  }
  const lenders = options.flashLenders ?? {};
  await checkLendersExist(clients, lenders, chainId);
  const lendersAt = lenderAddresses(lenders);
  const topCount = options.topCount ?? 10;
  let scanner: Scanner | undefined;
  let best: LentOpportunity[] = [];
  let blocksScanned = 0;
  let lastScanUs = 0;
  const latency = new BlockLatencyRing();
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  /** The gas price the current ranking used. */
  let rankedGasPrice = 0n;
  // The fee in force: for the block after `fee.block`. Undefined only until the start block is priced.
  let fee: NextBlockFee | undefined;
  const reprice = async (header: BlockHeader | Promise<BlockHeader>): Promise<void> => {
    try {
      fee = await feeAfter(clients, await header, options.gasBid);
    } catch (error) {
      // Keep the previous fee rather than fail the block (the state is already applied; a throw
      // here would make the stream replay it); the next block reprices. Only the RPC calls of a
      // pre-London chain or of a reorg can fail here.
      options.onTransientError?.(error);
    }
  };

  // Pools the scanner indexes; the follower may exclude some (unsafe tokens), which then simply
  // never change in the scanner either.
  const pushChanges = (follower: MarketFollower, changed: Iterable<string>): void => {
    if (scanner === undefined) return;
    for (const address of changed) {
      const pool = follower.state.pool(address);
      if (pool === undefined) continue;
      const index = scanner.poolIndex(address);
      if (pool instanceof V3Pool) {
        // The tick map is passed every time (the pool's own snapshot of itself): a Mint or Burn may
        // have changed a tick's net in place, and a copy per changed pool per block is cheap next
        // to the re-ranking.
        scanner.setV3State(index, pool.toSnapshot());
      } else {
        scanner.setReserves(index, pool.reserve0, pool.reserve1);
      }
    }
  };

  /**
   * Re-ranks at `block` and hands the best on. `timing` (a new block's, not a reorg's or the
   * start's) makes it a latency sample: `rankStartedAt` is when the changed pools began going
   * into the scanner.
   */
  const rescan = (block: bigint, timing?: BlockTiming, rankStartedAt?: number): void => {
    if (scanner === undefined || fee === undefined) return;
    const started = performance.now();
    if (fee.gasPrice !== rankedGasPrice) {
      scanner.setGasPrice(fee.gasPrice);
      rankedGasPrice = fee.gasPrice;
    }
    scanner.refresh(block);
    best = scanner.top(topCount).map((opportunity) => withFlashLender(opportunity, lendersAt));
    const decidedAt = performance.now();
    lastScanUs = Math.round((decidedAt - started) * 1000);
    blocksScanned++;
    if (timing !== undefined && rankStartedAt !== undefined) latency.record(block, timing, rankStartedAt, decidedAt);
    options.onOpportunities?.(block, best);
  };

  // Blocks can arrive while startMarketFollower is still returning: they wait for the follower.
  const ref: { follower?: MarketFollower } = {};
  const follower = await startMarketFollower({
    clients,
    store: options.store,
    chainId,
    source: {
      kind: 'pools',
      pools: options.pools.map((p) => ({
        protocol: p.protocol, address: p.address, token0: p.token0.address, token1: p.token1.address, fee: p.fee,
        ...(p.protocol === 'uniswap-v3' ? { tickSpacing: p.tickSpacing } : {}),
      })),
    },
    finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
    pollIntervalMs,
    maxStaleBlocks: options.maxStaleBlocks,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.onTransientError ? { onTransientError: options.onTransientError } : {}),
    onBlock: async (applied: AppliedBlock, header: BlockHeader, timing: BlockTiming) => {
      // Priced even before the scanner exists, so the scanner starts at the newest block's fee.
      // From the header alone on an EIP-1559 chain: no round trip between the head and the ranking.
      await reprice(header);
      if (ref.follower === undefined) return;
      const rankStartedAt = performance.now();
      pushChanges(ref.follower, applied.changed);
      rescan(applied.block.number, timing, rankStartedAt);
    },
    onReorg: async (ancestor, changed) => {
      // The fee came from a dropped block: reprice from the ancestor (a round trip, reorgs are rare).
      await reprice(headerOf(clients, ancestor));
      if (ref.follower === undefined) return;
      pushChanges(ref.follower, changed);
      rescan(ancestor.number);
    },
  });
  ref.follower = follower;

  try {
    const at = follower.state.block;
    if (at === null) throw new Error('the market follower returned a state without a block');
    // No block since the sync: price from the synced block's header. A block that arrives during
    // this call priced itself already and is newer, so it wins.
    if (fee === undefined) {
      const atSync = await feeAfter(clients, await headerOf(clients, at), options.gasBid);
      fee ??= atSync;
    }
    // The gas price goes in at construction so a base whose gas cost cannot be priced is refused
    // here, loudly, instead of silently never ranking.
    scanner = new Scanner(follower.state.toSnapshot(), {
      bases: [...options.baseTokens],
      maxHops: options.maxHops,
      gasPrice: fee!.gasPrice,
      flash: scannerFlashOptions(lenders),
    });
    rankedGasPrice = fee!.gasPrice;
    scanner.scanAll();
    // The state may have moved past `at` while the header was fetched; the snapshot has it all.
    rescan(follower.state.block?.number ?? at.number);
  } catch (error) {
    await follower.stop();
    throw error;
  }
  const indexed = scanner;

  return {
    status: () => ({
      market: follower.status(),
      scanner: indexed.stats(),
      blocksScanned,
      lastScanUs,
      gasPrice: rankedGasPrice.toString(),
      gas: gasStatus(fee!, options.gasBid),
      top: best.map(opportunityToJson),
      latency: latencyStatus(latency, follower.monitor.status().mode, pollIntervalMs),
    }),
    top: () => best,
    stop: () => follower.stop(),
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
    nextBaseFee: fee.nextBaseFee?.toString() ?? null,
    priorityFee: policy.priorityFee.toString(),
    maxFeePerGas: policy.maxFeePerGas?.toString() ?? null,
    pricedOut: fee.pricedOut,
  };
}
