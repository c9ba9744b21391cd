import type { BlockClock, DecidedEvent, SimulatedEvent } from '../engine/events.ts';
import type { ExecutionMode } from '../executor/executor.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { Metrics } from '../metrics/registry.ts';
import { countProfit } from './profit-metric.ts';

/**
 * The engine's events as Prometheus figures (src/metrics/catalog.ts): opportunities (new ledger
 * rows), decisions by outcome and rule, simulations by status, reverts by decoded reason, profit
 * and gas, resyncs, and each stage's time per block. Counted as the events pass, so the figures
 * are the ledger's own (the same sightings the record stage hands the writer).
 */

const MS_PER_SECOND = 1000;

/** Observes a stage's duration when both marks exist (a reorg or the start has no head timing). */
function observeStage(metrics: Metrics, stage: string, from: number | undefined, to: number | undefined): void {
  if (from === undefined || to === undefined || !(to >= from)) return;
  metrics.observe('stageLatency', { stage }, (to - from) / MS_PER_SECOND);
}

/** Stages fetch → decide of a block, and record when the block had no plans (else it follows the simulation). */
function observeDecidedStages(metrics: Metrics, clock: BlockClock, hadPlans: boolean): void {
  const timing = clock.timing;
  if (timing === null) return;
  observeStage(metrics, 'fetch', timing.headSeenAt, timing.fetchedAt);
  observeStage(metrics, 'apply', timing.fetchedAt, clock.appliedAt);
  observeStage(metrics, 'rank', clock.appliedAt, clock.rankedAt);
  observeStage(metrics, 'decide', clock.rankedAt, clock.decidedAt);
  if (!hadPlans) observeStage(metrics, 'record', clock.decidedAt, clock.recordedAt);
}

/** Counts a block's decisions: new opportunities, decisions by outcome and rule; times its stages. */
export function countDecided(metrics: Metrics, mode: ExecutionMode, event: DecidedEvent): void {
  let fresh = 0;
  for (const sighting of event.sightings) {
    if (sighting.isNew) fresh += 1;
    const decision = sighting.decision;
    if (decision === null) continue;
    metrics.inc('decisions', { mode, outcome: decision.outcome, rule: decision.outcome === 'rejected' ? decision.rule : '' });
  }
  if (fresh > 0) metrics.inc('opportunities', { mode }, fresh);
  observeDecidedStages(metrics, event.clock, event.plans.length > 0);
}

/**
 * Counts a block's simulations by status (skipped plans as `skipped`, and the block as one
 * resync of the execute stage), reverts by reason, simulated profit in token units per token
 * label — base units on their own series for a token whose decimals are unknown (`countProfit`)
 * — (a counter: only gains add to it; the ledger holds the exact amounts), gas used.
 */
export function countSimulated(metrics: Metrics, mode: ExecutionMode, event: SimulatedEvent, tokens: TokenDirectory): void {
  for (const result of event.results) {
    metrics.inc('simulations', { mode, status: result.status });
    if (result.status === 'reverted') metrics.inc('simulationReverts', { mode, reason: result.revert?.name ?? 'unknown' });
    if (result.gasUsed !== null && result.gasUsed > 0n) metrics.inc('gasSpent', { mode, kind: 'simulation' }, Number(result.gasUsed));
    if (result.status === 'ok' && result.profit !== null && result.profit > 0n) countProfit(metrics, { mode, kind: 'simulated' }, tokens, result.plan.baseToken, result.profit);
  }
  if (event.skipped.length > 0) {
    metrics.inc('simulations', { mode, status: 'skipped' }, event.skipped.length);
    metrics.inc('stageResyncs', { stage: 'execute' });
  }
  if (event.results.length > 0 && event.clock.timing !== null) {
    observeStage(metrics, 'simulate', event.clock.decidedAt, event.clock.simulatedAt);
    observeStage(metrics, 'record', event.clock.simulatedAt, event.clock.recordedAt);
  }
}
