import type { BlockTiming } from '../chain/monitor.ts';

/**
 * Head-to-decision latency, per block, split into stages: the time from the moment our process
 * heard of a new head to the moment `onOpportunities` fires for that block. A fixed ring of the
 * most recent blocks in typed arrays: recording a block allocates nothing, and the percentiles
 * are computed only when someone asks (`/health`, the benchmark).
 *
 * Stages (performance.now(), monotonic):
 * - fetch: head heard of → the block header and its pool logs in hand (one batched round trip
 *   when a WebSocket header extends the tip, see src/chain/README.md; and any wait behind the
 *   previous block or a checkpoint write);
 * - apply: → the logs applied to the market state and the next block's gas price derived;
 * - rank: → the changed pools pushed into the scanner, the scanner refreshed, the best ranked.
 */

/** How many recent blocks the figures cover. */
export const LATENCY_RING_SIZE = 1024;

/** One block's figures, microseconds rounded (so total may differ from the sum by 1-2 µs). */
export interface BlockLatencySample {
  block: string;
  source: BlockTiming['source'];
  fetchUs: number;
  applyUs: number;
  rankUs: number;
  totalUs: number;
}

/** Median and 99th percentile (nearest rank), microseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** What the ring holds, summarised. */
export interface BlockLatencySummary {
  /** Blocks in the figures (the most recent, at most {@link LATENCY_RING_SIZE}). */
  samples: number;
  /** Of those, how each block's head was first heard of. */
  bySource: Record<BlockTiming['source'], number>;
  headToDecisionUs: Percentiles | null;
  stagesUs: { fetch: Percentiles; apply: Percentiles; rank: Percentiles } | null;
  /** The most recent blocks, newest first. */
  recent: BlockLatencySample[];
}

const RECENT = 8;
const SOURCES: readonly BlockTiming['source'][] = ['ws', 'poll'];

/** A ring of per-block stage timings. */
export class BlockLatencyRing {
  private readonly blocks = new Float64Array(LATENCY_RING_SIZE);
  private readonly sources = new Uint8Array(LATENCY_RING_SIZE);
  private readonly fetchMs = new Float64Array(LATENCY_RING_SIZE);
  private readonly applyMs = new Float64Array(LATENCY_RING_SIZE);
  private readonly rankMs = new Float64Array(LATENCY_RING_SIZE);
  private readonly totalMs = new Float64Array(LATENCY_RING_SIZE);
  /** Blocks recorded since start; the next slot is `recorded % size`. */
  private recorded = 0;

  /** Records one block: `timing` from the monitor, then when ranking started and when the decision was out. */
  record(block: bigint, timing: BlockTiming, rankStartedAt: number, decidedAt: number): void {
    const slot = this.recorded % LATENCY_RING_SIZE;
    this.blocks[slot] = Number(block);
    this.sources[slot] = timing.source === 'ws' ? 0 : 1;
    this.fetchMs[slot] = timing.fetchedAt - timing.headSeenAt;
    this.applyMs[slot] = rankStartedAt - timing.fetchedAt;
    this.rankMs[slot] = decidedAt - rankStartedAt;
    this.totalMs[slot] = decidedAt - timing.headSeenAt;
    this.recorded += 1;
  }

  summary(): BlockLatencySummary {
    const n = Math.min(this.recorded, LATENCY_RING_SIZE);
    const bySource = { ws: 0, poll: 0 };
    for (let i = 0; i < n; i++) bySource[SOURCES[this.sources[i] as number] as BlockTiming['source']] += 1;
    const recent: BlockLatencySample[] = [];
    for (let k = 1; k <= Math.min(n, RECENT); k++) recent.push(this.sample((this.recorded - k) % LATENCY_RING_SIZE));
    if (n === 0) return { samples: 0, bySource, headToDecisionUs: null, stagesUs: null, recent };
    return {
      samples: n,
      bySource,
      headToDecisionUs: percentiles(this.totalMs, n),
      stagesUs: { fetch: percentiles(this.fetchMs, n), apply: percentiles(this.applyMs, n), rank: percentiles(this.rankMs, n) },
      recent,
    };
  }

  private sample(slot: number): BlockLatencySample {
    return {
      block: String(this.blocks[slot]),
      source: SOURCES[this.sources[slot] as number] as BlockTiming['source'],
      fetchUs: toUs(this.fetchMs[slot] as number),
      applyUs: toUs(this.applyMs[slot] as number),
      rankUs: toUs(this.rankMs[slot] as number),
      totalUs: toUs(this.totalMs[slot] as number),
    };
  }
}

const toUs = (ms: number): number => Math.round(ms * 1000);

/** p50 and p99 of the first `n` values (a sorted copy: off the per-block path). */
function percentiles(values: Float64Array, n: number): Percentiles {
  const sorted = values.slice(0, n).sort();
  const rank = (p: number): number => toUs(sorted[Math.max(0, Math.ceil(p * n) - 1)] as number);
  return { p50: rank(0.5), p99: rank(0.99) };
}
