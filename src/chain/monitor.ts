import type { Hex } from 'viem';
import { OrionError } from '../errors.ts';
import { createBlockStream, type BlockStream } from './block-stream.ts';
import type { FinalityStatus } from './finality.ts';
import { watchHeads, type HeadMode, type HeadWatcher } from './heads.ts';
import type { RpcPool } from './rpc-pool.ts';
import type { BlockRef, ChainEvent } from './types.ts';

/**
 * The chain monitor: head notifications (WebSocket, or polling) drive the block stream; a
 * WebSocket notice's header is announced to the stream, which fetches that block by hash in one
 * round trip when it extends the tip (src/chain/README.md, round trips). A
 * transient failure (every endpoint down for a while) is reported and retried on the next hint;
 * a fatal one (a reorg deeper than the window) stops the monitor and rejects `done`. Each block
 * event carries when our process first heard of its head, for the engine's latency figures.
 */

/**
 * When a block reached us (performance.now() milliseconds, monotonic): the moment our process
 * first heard of a head at or above it, and the moment the block and its logs were in hand.
 */
export interface BlockTiming {
  /** `ws`: a newHeads notification named this height or above; `poll`: a look (a poll tick, a reconnect, `syncNow`) found it. */
  source: 'ws' | 'poll';
  headSeenAt: number;
  fetchedAt: number;
}

/** A newHeads notification: the height it named and when it arrived. */
interface HeadNotice {
  number: bigint;
  at: number;
}

/** Notifications kept unmatched at most (a socket naming heads we never reach must not grow memory). */
const MAX_HEAD_NOTICES = 64;

/**
 * Matches each emitted block with the earliest moment we heard of it. A newHeads notice names a
 * height, so block k takes the earliest notice of height >= k not yet used by an emitted block
 * (a reorg's replacement block at the same height gets the new notice). A block no notice named
 * was found by a look: it takes the start of the oldest look still running, which may be one
 * stream pass early when a look overlaps a running sync (an overestimate, never an underestimate).
 */
class HeadNoticeBoard {
  private readonly notices: HeadNotice[] = [];
  /** Start times of the looks in flight, oldest first. */
  private readonly looks: number[] = [];

  heard(number: bigint, at: number): void {
    if (this.notices.length === MAX_HEAD_NOTICES) this.notices.shift();
    this.notices.push({ number, at });
  }

  lookStarted(at: number): void {
    this.looks.push(at);
  }

  lookEnded(at: number): void {
    const index = this.looks.indexOf(at);
    if (index >= 0) this.looks.splice(index, 1);
  }

  /** The timing of block `number`, whose block and logs are in hand at `fetchedAt`; spends the notices up to its height. */
  timingOf(number: bigint, fetchedAt: number): BlockTiming {
    // Notices are in arrival order: the first one at or above this height is the earliest.
    let named: HeadNotice | undefined;
    let kept = 0;
    for (const notice of this.notices) {
      if (named === undefined && notice.number >= number) named = notice;
      // Higher notices wait for their own blocks; this height and below are spent.
      if (notice.number > number) this.notices[kept++] = notice;
    }
    this.notices.length = kept;
    if (named !== undefined) return { source: 'ws', headSeenAt: named.at, fetchedAt };
    return { source: 'poll', headSeenAt: this.looks[0] ?? fetchedAt, fetchedAt };
  }
}

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
  /** Every tracked emitter, to check empty logs answers against block blooms (block-fetch.ts). */
  trackedAddresses?: () => Iterable<string>;
  /** Each event in order; a block event comes with when we heard of it and had it in hand. */
  onEvent: (event: ChainEvent, timing: BlockTiming | null) => Promise<void> | void;
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
  const board = new HeadNoticeBoard();
  const stream: BlockStream = createBlockStream({
    ...options,
    onEvent: (event) => options.onEvent(event, event.type === 'block' ? board.timingOf(event.block.number, performance.now()) : null),
  });
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

  /** Catches up; `look` is when the look that asked for it started (none for a newHeads notice). */
  const catchUp = async (look?: number): Promise<void> => {
    if (stopped) return;
    if (look !== undefined) board.lookStarted(look);
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
    } finally {
      if (look !== undefined) board.lookEnded(look);
    }
  };
  const syncNow = (): Promise<void> => catchUp(performance.now());

  const heads: HeadWatcher = watchHeads({
    wsUrls: options.wsUrls,
    pollIntervalMs: options.pollIntervalMs,
    onHint: (head) => {
      const at = performance.now();
      if (head === null) {
        void catchUp(at);
        return;
      }
      board.heard(head.number, at);
      if (head.header !== null) stream.announce(head.header);
      void catchUp();
    },
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
