import type { BlockHeader } from '../chain/types.ts';
import type { Executor, SendGate, SimulationResult } from '../executor/executor.ts';
import type { BlockClock, DecidedEvent, SimulatedEvent } from './events.ts';

/**
 * Stage ⑤'s mailbox: hands each block's plans to the executor (sim or live) one block at a
 * time, on the newest state the market has applied. While the executor works on a block, at
 * most one newer block waits; a newer one still replaces it, and the replaced block's plans come
 * out as `skipped` with the reason (recorded in the ledger, counted as a resync): the executor
 * catches up to the newest block instead of queueing stale work, and never drops a plan silently.
 * A block comes in parts (its best plan, then the rest): a part of the block waiting joins the
 * part behind it, in order; the clock keeps the moment the first part was done.
 */

/** Settings of the execute stage. */
export interface ExecuteStageOptions {
  executor: Executor;
  /** The newest block the market has applied (what a plan lands on). */
  head: () => BlockHeader;
  emit: (event: SimulatedEvent) => void;
  /** The gate the executor asks before sending each simulated plan of `event` (the protections). */
  gateFor?: (event: DecidedEvent) => SendGate;
}

/** What /health shows of the stage. */
export interface ExecuteStageStatus {
  mode: Executor['mode'];
  busy: boolean;
  /** Blocks whose plans were skipped to catch up with a newer block. */
  resyncs: number;
  skippedPlans: number;
}

/** The execute stage. */
export interface ExecuteStage {
  /** Takes a block's decisions; returns at once. */
  submit(event: DecidedEvent): void;
  status(): ExecuteStageStatus;
  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void>;
  /** Resolves once the block running now (if any) is done, whatever comes after it. */
  currentDone(): Promise<void>;
  /** Whether a part of the block with this clock is running or waiting (what is not out yet). */
  holds(clock: BlockClock): boolean;
}

/** Creates the execute stage. */
export function createExecuteStage(options: ExecuteStageOptions): ExecuteStage {
  let running: Promise<void> | null = null;
  let runningEvent: DecidedEvent | null = null;
  let waiting: DecidedEvent | null = null;
  let resyncs = 0;
  let skippedPlans = 0;

  const failed = (event: DecidedEvent, head: BlockHeader, error: unknown): SimulationResult[] => event.plans.map((plan) => ({
    plan, status: 'failed', stateBlock: { number: head.number, hash: head.hash }, asBlock: head.number + 1n, profit: null, gasUsed: null, revert: null,
    error: error instanceof Error ? error.message : String(error),
  }));

  async function run(event: DecidedEvent): Promise<void> {
    const head = options.head();
    let results: SimulationResult[];
    try {
      results = await options.executor.run(event.plans, head, options.gateFor?.(event), event.clock.timing?.headSeenAt);
    } catch (error) {
      results = failed(event, head, error);
    }
    // A block handed over in parts: its clock keeps when the first (its best plan) was done.
    event.clock.simulatedAt ??= performance.now();
    options.emit({ type: 'simulated', header: event.header, results, skipped: [], clock: event.clock });
  }

  function start(event: DecidedEvent): void {
    runningEvent = event;
    running = run(event).finally(() => {
      running = null;
      runningEvent = null;
      const next = waiting;
      waiting = null;
      if (next !== null) start(next);
    });
  }

  return {
    submit(event) {
      if (event.plans.length === 0) return;
      if (running === null) return start(event);
      // The same block's event (its clock), not the same hash: a reorg re-emits an ancestor's header.
      if (waiting !== null && waiting.clock === event.clock) {
        // The rest of a block whose best plan is still waiting: one run, best plan first.
        waiting = { ...waiting, sightings: [...waiting.sightings, ...event.sightings], plans: [...waiting.plans, ...event.plans] };
        return;
      }
      if (waiting !== null) {
        resyncs += 1;
        skippedPlans += waiting.plans.length;
        const reason = `the executor was busy and moved on to block ${event.header.number}`;
        options.emit({ type: 'simulated', header: waiting.header, results: [], skipped: waiting.plans.map((plan) => ({ plan, reason })), clock: waiting.clock });
      }
      waiting = event;
    },
    status: () => ({ mode: options.executor.mode, busy: running !== null, resyncs, skippedPlans }),
    holds: (clock) => runningEvent?.clock === clock || waiting?.clock === clock,
    async idle() {
      while (running !== null) await running;
    },
    currentDone: () => running ?? Promise.resolve(),
  };
}
