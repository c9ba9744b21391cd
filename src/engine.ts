import { createChainClients } from './chain/clients.ts';
import { InputError } from './errors.ts';
import type { AppliedBlock } from './market/market-state.ts';
import { startMarketFollower, type MarketFollower, type MarketFollowerStatus } from './market/market-follower.ts';
import type { ProgressSink } from './market/progress.ts';
import type { PoolSnapshot } from './market/snapshot.ts';
import { V3Pool } from './market/v3-pool.ts';
import { Scanner } from './scanner/scanner.ts';
import { opportunityToJson } from './scanner/opportunity-format.ts';
import type { Opportunity } from './scanner/types.ts';
import type { Store } from './store/types.ts';

/**
 * The engine's composition root, as far as the pipeline exists: the market follower (initial
 * sync, block stream, reorgs, checkpoints, staleness guard) feeds each applied block's changed
 * pools into the scanner, which re-ranks only the cycles through them. Decisions (orchestrator,
 * sim/live executor) plug in after `onOpportunities` when they land.
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
  /** Blocks after which a block is final (the reorg window). */
  finalityDepth?: number;
  pollIntervalMs?: number;
  progress?: ProgressSink;
  /** Called after each block with the best opportunities (at most `topCount`). */
  onOpportunities?: (block: bigint, opportunities: Opportunity[]) => void;
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
  gasPrice: string;
  /** The best opportunities at the last block, amounts as decimal strings. */
  top: Record<string, unknown>[];
}

/** A running engine. */
export interface Engine {
  status(): EngineStatus;
  /** The best opportunities at the last scanned block. */
  top(): readonly Opportunity[];
  stop(): Promise<void>;
}

const DEFAULT_FINALITY_DEPTH = 64;
const DEFAULT_POLL_INTERVAL_MS = 250;

/** Syncs the pools, builds the scanner on the synced state and follows the chain. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const clients = createChainClients(options.rpcUrls);
  const chainId = Number(BigInt((await clients.pool.request('eth_chainId', [])) as string));
  if (chainId !== options.expectedChainId) {
    throw new InputError(`the RPC endpoints serve chain ${chainId} but the pools to follow are of chain ${options.expectedChainId} (the snapshot's chainId)`);
  }
  const topCount = options.topCount ?? 10;
  let scanner: Scanner | undefined;
  let best: Opportunity[] = [];
  let blocksScanned = 0;
  let lastScanUs = 0;
  let gasPrice = 0n;

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

  const rescan = async (block: bigint): Promise<void> => {
    if (scanner === undefined) return;
    const price = BigInt((await clients.pool.request('eth_gasPrice', [])) as string);
    if (price !== gasPrice) {
      gasPrice = price;
      scanner.setGasPrice(price);
    }
    const started = performance.now();
    scanner.refresh(block);
    best = scanner.top(topCount);
    lastScanUs = Math.round((performance.now() - started) * 1000);
    blocksScanned++;
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
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    maxStaleBlocks: options.maxStaleBlocks,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.onTransientError ? { onTransientError: options.onTransientError } : {}),
    onBlock: async (applied: AppliedBlock) => {
      if (ref.follower === undefined) return;
      pushChanges(ref.follower, applied.changed);
      await rescan(applied.block.number);
    },
    onReorg: async (ancestor, changed) => {
      if (ref.follower === undefined) return;
      pushChanges(ref.follower, changed);
      await rescan(ancestor.number);
    },
  });
  ref.follower = follower;

  try {
    // The gas price goes in at construction so a base whose gas cost cannot be priced is refused
    // here, loudly, instead of silently never ranking.
    gasPrice = BigInt((await clients.pool.request('eth_gasPrice', [])) as string);
    scanner = new Scanner(follower.state.toSnapshot(), {
      bases: [...options.baseTokens],
      maxHops: options.maxHops,
      gasPrice,
    });
    scanner.scanAll();
    await rescan(follower.state.block?.number ?? 0n);
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
      gasPrice: gasPrice.toString(),
      top: best.map(opportunityToJson),
    }),
    top: () => best,
    stop: () => follower.stop(),
  };
}
