import type { BlockTiming } from '../chain/monitor.ts';
import type { BlockClock } from './events.ts';

/**
 * Head-to-decision latency, per block, split into stages: from the moment our process heard of
 * a new head to the block's plans simulated and recorded. A fixed ring of the most recent
 * blocks in typed arrays: recording a block allocates nothing, and the percentiles are computed
 * only when someone asks (`/health`, the benchmark).
 *
 * Stages (performance.now(), monotonic):
 * - fetch: head heard of → the block header and its pool logs in hand (one batched round trip
 *   when a WebSocket header extends the tip, see src/chain/README.md; and any wait behind the
 *   previous block or a checkpoint write);
 * - apply: → the logs applied to the market state, the next block's gas price derived;
 * - rank: → the changed pools pushed into the scanner, the scanner refreshed, the best ranked;
 * - decide: → new opportunities planned or rejected;
 * - simulate: → the plans simulated on the chain (blocks with plans only; includes any wait
 *   while the executor finished an earlier block);
 * - record: → everything handed to the ledger writer (the write itself happens later, off
 *   this path).
 */

/** How many recent blocks the figures cover. */
export const LATENCY_RING_SIZE = 1024;

/** The stages, in order. */
export const STAGES = ['fetch', 'apply', 'rank', 'decide', 'simulate', 'record'] as const;
/** One stage's name. */
export type Stage = (typeof STAGES)[number];

/** One block's figures, microseconds rounded; null: the stage had nothing to do for this block. */
export interface BlockLatencySample {
  block: string;
  source: BlockTiming['source'];
  stagesUs: Record<Stage, number | null>;
  /** Head heard of → decided (every block). */
  toDecisionUs: number;
  /** Head heard of → plans simulated (blocks with plans). */
  toSimulationUs: number | null;
}

/** Median and 99th percentile (nearest rank), microseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
  /** Blocks the figures cover (a stage with nothing to do in a block is not counted). */
  n: number;
}

/** What the ring holds, summarised. */
export interface BlockLatencySummary {
  /** Blocks in the figures (the most recent, at most {@link LATENCY_RING_SIZE}). */
  samples: number;
  /** Of those, how each block's head was first heard of. */
  bySource: Record<BlockTiming['source'], number>;
  /** Head heard of → decided. */
  headToDecisionUs: Percentiles | null;
  /** Head heard of → simulated plan (SPEC §5's "block to decision": a simulated, signed-ready plan). */
  headToSimulationUs: Percentiles | null;
  stagesUs: Record<Stage, Percentiles | null> | null;
  /** The most recent blocks, newest first. */
  recent: BlockLatencySample[];
}

const RECENT = 8;
const SOURCES: readonly BlockTiming['source'][] = ['ws', 'poll'];

/** A ring of per-block stage timings (NaN marks a stage with nothing to do). */
export class BlockLatencyRing {
  private readonly blocks = new Float64Array(LATENCY_RING_SIZE);
  private readonly sources = new Uint8Array(LATENCY_RING_SIZE);
  private readonly stageMs = STAGES.map(() => new Float64Array(LATENCY_RING_SIZE));
  private readonly toDecisionMs = new Float64Array(LATENCY_RING_SIZE);
  private readonly toSimulationMs = new Float64Array(LATENCY_RING_SIZE);
  /** Blocks recorded since start; the next slot is `recorded % size`. */
  private recorded = 0;

  /** Records one block from its clock; a clock without head timing (a reorg, the start) is not a sample. */
  record(block: bigint, clock: BlockClock): void {
    const { timing } = clock;
    if (timing === null || clock.rankedAt === undefined || clock.decidedAt === undefined) return;
    const slot = this.recorded % LATENCY_RING_SIZE;
    this.blocks[slot] = Number(block);
    this.sources[slot] = timing.source === 'ws' ? 0 : 1;
    const simulated = clock.simulatedAt;
    const marks = [timing.headSeenAt, timing.fetchedAt, clock.appliedAt, clock.rankedAt, clock.decidedAt, simulated ?? NaN, clock.recordedAt ?? NaN];
    for (let s = 0; s < STAGES.length; s++) {
      // record follows simulate when there was one, else decide.
      const from = s === 5 && simulated === undefined ? marks[4]! : marks[s]!;
      this.stageMs[s]![slot] = marks[s + 1]! - from;
    }
    this.toDecisionMs[slot] = clock.decidedAt - timing.headSeenAt;
    this.toSimulationMs[slot] = simulated === undefined ? NaN : simulated - timing.headSeenAt;
    this.recorded += 1;
  }

  summary(): BlockLatencySummary {
    const n = Math.min(this.recorded, LATENCY_RING_SIZE);
    const bySource = { ws: 0, poll: 0 };
    for (let i = 0; i < n; i++) bySource[SOURCES[this.sources[i] as number] as BlockTiming['source']] += 1;
    const recent: BlockLatencySample[] = [];
    for (let k = 1; k <= Math.min(n, RECENT); k++) recent.push(this.sample((this.recorded - k) % LATENCY_RING_SIZE));
    if (n === 0) return { samples: 0, bySource, headToDecisionUs: null, headToSimulationUs: null, stagesUs: null, recent };
    return {
      samples: n,
      bySource,
      headToDecisionUs: percentiles(this.toDecisionMs, n),
      headToSimulationUs: percentiles(this.toSimulationMs, n),
      stagesUs: Object.fromEntries(STAGES.map((stage, s) => [stage, percentiles(this.stageMs[s]!, n)])) as Record<Stage, Percentiles | null>,
      recent,
    };
  }

  private sample(slot: number): BlockLatencySample {
    const us = (ms: number): number | null => (Number.isNaN(ms) ? null : toUs(ms));
    return {
      block: String(this.blocks[slot]),
      source: SOURCES[this.sources[slot] as number] as BlockTiming['source'],
      stagesUs: Object.fromEntries(STAGES.map((stage, s) => [stage, us(this.stageMs[s]![slot]!)])) as Record<Stage, number | null>,
      toDecisionUs: toUs(this.toDecisionMs[slot]!),
      toSimulationUs: us(this.toSimulationMs[slot]!),
    };
  }
}

const toUs = (ms: number): number => Math.round(ms * 1000);

/** p50 and p99 of the first `n` values that are numbers (a sorted copy: off the per-block path); null when none is. */
function percentiles(values: Float64Array, n: number): Percentiles | null {
  const sorted = values.slice(0, n).filter((v) => !Number.isNaN(v)).sort();
  if (sorted.length === 0) return null;
  const rank = (p: number): number => toUs(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);
  return { p50: rank(0.5), p99: rank(0.99), n: sorted.length };
}
