import type { Hex } from 'viem';
import { OrionError } from '../errors.ts';
import { createBlockStream, type BlockStream } from './block-stream.ts';
import type { FinalityStatus } from './finality.ts';
import { watchHeads, type HeadMode, type HeadWatcher } from './heads.ts';
import type { RpcPool } from './rpc-pool.ts';
import type { BlockRef, ChainEvent } from './types.ts';

/**
 * The chain monitor: head notifications (WebSocket, or polling) drive the block stream. A
 * transient failure (every endpoint down for a while) is reported and retried on the next hint;
 * a fatal one (a reorg deeper than the window) stops the monitor and rejects `done`.
 */

/** Settings of the monitor. */
export interface ChainMonitorOptions {
  pool: RpcPool;
  wsUrls: readonly string[];
  from: BlockRef;
  finalityDepth: number;
  maxUnfinalizedBlocks?: number;
  pollIntervalMs: number;
  topics: readonly Hex[];
  isTracked: (address: string) => boolean;
  onEvent: (event: ChainEvent) => Promise<void> | void;
  /** Called with each transient error (for logs and metrics). */
  onTransientError?: (error: unknown) => void;
  onModeChange?: (mode: HeadMode, reason: string) => void;
}

/** What the monitor exposes for health pages. */
export interface ChainMonitorStatus {
  mode: HeadMode;
  tip: BlockRef;
  knownHead: bigint;
  /** The newest final block, which rule fixed it, and what the node's `finalized` tag says. */
  finality: FinalityStatus;
  lastError: string | null;
}

/** A running monitor. */
export interface ChainMonitor {
  status(): ChainMonitorStatus;
  /** Catches up now (also what every hint does). */
  syncNow(): Promise<void>;
  /** Resolves on `stop()`, rejects on a fatal error. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts the monitor. */
export function startChainMonitor(options: ChainMonitorOptions): ChainMonitor {
  const stream: BlockStream = createBlockStream(options);
  let lastError: string | null = null;
  let stopped = false;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // Nobody may be awaiting `done` yet; the rejection is still delivered to whoever does.
  done.catch(() => undefined);

  const syncNow = async (): Promise<void> => {
    if (stopped) return;
    try {
      await stream.sync();
      lastError = null;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      // Only a fault known to be transient is retried; anything else (a bug included) stops.
      if (!(error instanceof OrionError) || !error.retryable) {
        stopped = true;
        await heads.stop();
        fail(error);
        return;
      }
      options.onTransientError?.(error);
    }
  };

  const heads: HeadWatcher = watchHeads({
    wsUrls: options.wsUrls,
    pollIntervalMs: options.pollIntervalMs,
    onHint: () => void syncNow(),
    ...(options.onModeChange ? { onModeChange: options.onModeChange } : {}),
  });

  return {
    status: () => ({ mode: heads.mode(), tip: stream.tip(), knownHead: stream.knownHead(), finality: stream.finality(), lastError }),
    syncNow,
    done,
    async stop() {
      stopped = true;
      await heads.stop();
      finish();
    },
  };
}
