import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../orchestrator/plan.ts';
import type { Store } from '../store/types.ts';
import { emptyFunnel, tokenProfit, type Funnel } from './funnel.ts';
import { extendOpportunity, insertDecision, insertOpportunity, insertSimulation } from './ledger-rows.ts';
import type { DecisionRecord, ModeSession, OpportunitySighting, SimulationRecord } from './records.ts';

/**
 * The ledger writer: the engine hands it what happened (synchronously, in microseconds) and
 * it writes it in the background, one transaction per flush, never on the decision path. A
 * flush that fails is retried with backoff; the rows stay queued meanwhile (in order, so a
 * decision is never written before its opportunity) and the failure shows in `status()` until
 * a flush goes through. On close, rows a database that stays down refused are written to a
 * spill file in the data folder instead of vanishing, and close says so.
 */

/** The writer's handle on an opportunity row (its id once written). */
export interface OpportunityRef {
  id: bigint | null;
  /** Number of the row in this writer's life (links rows in a spill file). */
  readonly local: number;
  readonly baseToken: string;
}

/** The writer's handle on a decision row. */
export interface DecisionRef {
  id: bigint | null;
  readonly local: number;
  readonly opportunity: OpportunityRef;
}

type Op =
  | { kind: 'opportunity'; ref: OpportunityRef; sighting: OpportunitySighting }
  | { kind: 'decision'; ref: DecisionRef; opportunity: OpportunityRef; record: DecisionRecord }
  | { kind: 'simulation'; decision: DecisionRef; record: SimulationRecord };

/** What /health shows of the writer. */
export interface LedgerWriterStatus {
  /** Rows (and last-block moves) waiting to be written. */
  pendingRows: number;
  writtenRows: number;
  flushes: number;
  /** Set while flushes fail: since when, how many attempts, the last error. */
  failing: { since: string; attempts: number; lastError: string } | null;
  /** Failed flush attempts since start (each retried). */
  failedFlushes: number;
}

/** Settings of the writer. */
export interface LedgerWriterOptions {
  store: Store;
  session: ModeSession;
  /** The session's funnel as the ledger held it at start (readFunnel); counting goes on from there. */
  funnel?: Funnel;
  /** Most rows in one flush transaction (default 500). */
  maxBatch?: number;
  /** First retry delay after a failed flush, doubled up to maxRetryMs (defaults 100 ms, 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Folder for the spill file of rows still unwritten at close; none: they are only reported. */
  spillDir?: string;
  /** Each failed flush (for logs and metrics). */
  onFlushError?: (error: unknown, attempt: number) => void;
  /** Each successful flush (rows written). */
  onFlushed?: (rows: number) => void;
}

/** A running writer. */
export interface LedgerWriter {
  readonly session: ModeSession;
  /** An opportunity first seen at this state. */
  sighted(sighting: OpportunitySighting): OpportunityRef;
  /** The same opportunity state seen again at a later block. */
  seenAgain(ref: OpportunityRef, block: bigint, at: Date): void;
  decided(opportunity: OpportunityRef, record: DecisionRecord): DecisionRef;
  simulated(decision: DecisionRef, record: SimulationRecord): void;
  /** Asks for a flush soon (the engine calls it once per block); never waits for it. */
  flushSoon(): void;
  /** Writes everything queued now; rejects when the database refuses (rows stay queued). */
  flush(): Promise<void>;
  funnel(): Funnel;
  status(): LedgerWriterStatus;
  /**
   * Stops after writing what is queued, retrying until `timeoutMs` (default 10 s); rows still
   * unwritten then go to the spill file. Resolves with how many rows were not written.
   */
  close(timeoutMs?: number): Promise<{ unwritten: number; spillFile: string | null }>;
}

const bigintJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** Creates the writer of `session`. */
export function createLedgerWriter(options: LedgerWriterOptions): LedgerWriter {
  const { store, session } = options;
  const maxBatch = options.maxBatch ?? 500;
  const retryMs = options.retryMs ?? 100;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  const queue: Op[] = [];
  const extensions = new Map<OpportunityRef, { block: bigint; at: Date }>();
  const funnel = options.funnel ?? emptyFunnel();
  let flushing: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let writtenRows = 0;
  let flushes = 0;
  let failedFlushes = 0;
  let failing: LedgerWriterStatus['failing'] = null;
  let failedAttempts = 0;
  let locals = 0;

  /** One transaction: the queue's head (in order) and the last-block moves of written rows. */
  async function writeBatch(): Promise<void> {
    const ops = queue.slice(0, maxBatch);
    const moves = [...extensions];
    const ids = new Map<object, bigint>();
    const idOf = (ref: OpportunityRef | DecisionRef): bigint | undefined => ref.id ?? ids.get(ref);
    await store.transaction(async (tx) => {
      for (const op of ops) {
        if (op.kind === 'opportunity') {
          ids.set(op.ref, await insertOpportunity(tx, session, op.sighting));
        } else if (op.kind === 'decision') {
          ids.set(op.ref, await insertDecision(tx, session, idOf(op.opportunity)!, op.record));
        } else {
          await insertSimulation(tx, session, idOf(op.decision)!, idOf(op.decision.opportunity)!, op.record);
        }
      }
      for (const [ref, move] of moves) {
        const id = idOf(ref);
        if (id !== undefined) await extendOpportunity(tx, id, move.block, move.at);
      }
    });
    // Committed: only now do the rows have ids, and only now do they leave the queue.
    for (const [ref, id] of ids) (ref as OpportunityRef | DecisionRef).id = id;
    queue.splice(0, ops.length);
    for (const [ref, move] of moves) if (ref.id !== null && extensions.get(ref) === move) extensions.delete(ref);
    writtenRows += ops.length;
    flushes += 1;
    options.onFlushed?.(ops.length);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 || [...extensions.keys()].some((ref) => ref.id !== null)) await writeBatch();
  }

  function runFlush(): Promise<void> {
    if (flushing !== null) return flushing.then(() => (queue.length > 0 || extensions.size > 0 ? runFlush() : undefined));
    flushing = drain().then(
      () => {
        failing = null;
        failedAttempts = 0;
      },
      (error: unknown) => {
        failedFlushes += 1;
        failedAttempts += 1;
        failing = { since: failing?.since ?? new Date().toISOString(), attempts: failedAttempts, lastError: error instanceof Error ? error.message : String(error) };
        options.onFlushError?.(error, failedAttempts);
        if (!closed) schedule(Math.min(maxRetryMs, retryMs * 2 ** (failedAttempts - 1)));
        throw error;
      },
    ).finally(() => {
      flushing = null;
    });
    return flushing;
  }

  function schedule(delayMs: number): void {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      runFlush().catch(() => undefined);
    }, delayMs);
  }

  const countPlan = (plan: Plan): void => {
    tokenProfit(funnel, plan.baseToken).predicted += plan.expectedProfit;
  };

  return {
    session,
    sighted(sighting) {
      const ref: OpportunityRef = { id: null, local: ++locals, baseToken: sighting.opportunity.tokens[0]! };
      queue.push({ kind: 'opportunity', ref, sighting });
      funnel.detected += 1;
      return ref;
    },
    seenAgain(ref, block, at) {
      extensions.set(ref, { block, at });
    },
    decided(opportunity, record) {
      const ref: DecisionRef = { id: null, local: ++locals, opportunity };
      queue.push({ kind: 'decision', ref, opportunity, record });
      if (record.decision.outcome === 'planned') {
        funnel.planned += 1;
        countPlan(record.decision.plan);
      } else {
        funnel.rejected += 1;
        funnel.rejectedByRule[record.decision.rule] = (funnel.rejectedByRule[record.decision.rule] ?? 0) + 1;
      }
      return ref;
    },
    simulated(decision, record) {
      queue.push({ kind: 'simulation', decision, record });
      if (record.kind === 'skipped') {
        funnel.simulated.skipped += 1;
        return;
      }
      const { result } = record;
      funnel.simulated[result.status] += 1;
      if (result.status === 'ok') tokenProfit(funnel, result.plan.baseToken).simulated += result.profit!;
      if (result.blocked !== undefined) {
        funnel.blocked += 1;
        funnel.rejectedByRule[result.blocked.rule] = (funnel.rejectedByRule[result.blocked.rule] ?? 0) + 1;
      }
      if (result.status === 'reverted') {
        const name = result.revert?.name ?? 'unknown';
        funnel.revertsByReason[name] = (funnel.revertsByReason[name] ?? 0) + 1;
      }
    },
    flushSoon() {
      if (failing === null) schedule(0);
    },
    flush: () => runFlush(),
    funnel: () => funnel,
    status: () => ({ pendingRows: queue.length + extensions.size, writtenRows, flushes, failing, failedFlushes }),
    async close(timeoutMs = 10_000) {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      const deadline = Date.now() + timeoutMs;
      let delay = retryMs;
      for (;;) {
        try {
          await runFlush();
          return { unwritten: 0, spillFile: null };
        } catch {
          if (Date.now() + delay > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(maxRetryMs, delay * 2);
        }
      }
      const unwritten = queue.length + extensions.size;
      if (options.spillDir === undefined) return { unwritten, spillFile: null };
      const spillFile = join(options.spillDir, `ledger-unwritten-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
      // Each row with its local number and the number (or database id) of the row it belongs to.
      const link = (ref: OpportunityRef | DecisionRef) => ({ local: ref.local, id: ref.id });
      const lines = queue.map((op) => bigintJson(op.kind === 'opportunity'
        ? { session: session.id, kind: op.kind, row: link(op.ref), sighting: op.sighting }
        : op.kind === 'decision'
          ? { session: session.id, kind: op.kind, row: link(op.ref), opportunity: link(op.opportunity), record: op.record }
          : { session: session.id, kind: op.kind, decision: link(op.decision), record: op.record }));
      writeFileSync(spillFile, `${lines.join('\n')}\n`, { mode: 0o600 });
      return { unwritten, spillFile };
    },
  };
}
