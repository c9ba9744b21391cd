import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';

/**
 * Health of one RPC endpoint: a score in [0, 1] (an exponentially weighted success rate,
 * lowered by slow answers), consecutive failures, and a "benched until" time after a failure
 * that grows with backoff and jitter. The pool always asks the best endpoint that is not benched.
 */

/** What the pool exposes per endpoint for health pages and metrics. */
export interface EndpointHealthView {
  url: string;
  score: number;
  consecutiveFailures: number;
  requests: number;
  failures: number;
  lastLatencyMs: number | null;
  lastError: string | null;
  benchedForMs: number;
  /** Highest block number this endpoint reported, when known. */
  lastHead: bigint | null;
  lagging: boolean;
}

/** Weight of the newest outcome in the score's moving average. */
const ALPHA = 0.2;
/** Answers slower than this count as partly failed, so a slow endpoint sinks below a fast one. */
const SLOW_MS = 1_000;

/** Mutable health record of one endpoint. */
export class EndpointHealth {
  score = 1;
  consecutiveFailures = 0;
  requests = 0;
  failures = 0;
  lastLatencyMs: number | null = null;
  lastError: string | null = null;
  benchedUntil = 0;
  /** Until when a probe found this endpoint behind the others (ranked last until then). */
  laggingUntil = 0;
  lastHead: bigint | null = null;

  private updatedAt: number;

  constructor(
    readonly url: string,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    /** An idle endpoint's score heals halfway back to 1 in this time, so a primary that failed once is tried again. */
    private readonly recoveryHalfLifeMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.updatedAt = now();
  }

  /** The score with idle recovery applied up to now. */
  currentScore(): number {
    const elapsed = this.now() - this.updatedAt;
    if (elapsed > 0) {
      this.score = 1 - (1 - this.score) * 0.5 ** (elapsed / this.recoveryHalfLifeMs);
      this.updatedAt = this.now();
    }
    return this.score;
  }

  /** Records a good answer that took `latencyMs`. */
  success(latencyMs: number): void {
    this.currentScore();
    this.requests += 1;
    this.consecutiveFailures = 0;
    this.lastLatencyMs = latencyMs;
    const outcome = latencyMs <= SLOW_MS ? 1 : Math.max(0.3, SLOW_MS / latencyMs);
    this.score = (1 - ALPHA) * this.score + ALPHA * outcome;
  }

  /** Records a failure and benches the endpoint (longer after each failure in a row). */
  failure(message: string, retryAfterMs?: number): void {
    this.currentScore();
    this.requests += 1;
    this.failures += 1;
    this.consecutiveFailures += 1;
    this.lastError = message;
    this.score = (1 - ALPHA) * this.score;
    const delay = Math.max(retryAfterMs ?? 0, backoffDelay(this.consecutiveFailures, this.backoff));
    this.benchedUntil = this.now() + delay;
  }

  /** Marks a reported head; a head far behind the others lowers the endpoint's rank elsewhere. */
  sawHead(head: bigint): void {
    if (this.lastHead === null || head > this.lastHead) this.lastHead = head;
  }

  /** Whether a recent probe found it behind. */
  lagging(): boolean {
    return this.now() < this.laggingUntil;
  }

  /** Whether the endpoint may be asked now. */
  available(): boolean {
    return this.now() >= this.benchedUntil;
  }

  /** A snapshot for health pages and metrics. */
  view(): EndpointHealthView {
    return {
      url: this.url,
      score: Math.round(this.currentScore() * 1000) / 1000,
      consecutiveFailures: this.consecutiveFailures,
      requests: this.requests,
      failures: this.failures,
      lastLatencyMs: this.lastLatencyMs,
      lastError: this.lastError,
      benchedForMs: Math.max(0, this.benchedUntil - this.now()),
      lastHead: this.lastHead,
      lagging: this.lagging(),
    };
  }
}
