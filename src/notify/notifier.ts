import type { Queryable } from '../store/index.ts';
import type { NotifyEvent } from './events.ts';
import { formatPayload } from './formats.ts';
import type { NotifyTarget } from './targets.ts';

/** Options of a notifier. */
export interface NotifierOptions {
  targets: readonly NotifyTarget[];
  /** Where each delivery's outcome is recorded (table notification_delivery); unset = not recorded. */
  store?: Queryable;
  /** Deliveries waiting at most (default 1000); beyond it the newest is dropped and recorded as such. */
  queueSize?: number;
  /** Attempts per delivery (default 5). */
  attempts?: number;
  /** First retry delay; doubles each attempt, capped at 60 s (default 1000 ms). */
  retryDelayMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
}

/** Counts since start. */
export interface NotifierStats {
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  waiting: number;
}

/** A running notifier. */
export interface Notifier {
  /** Queues `event` for every target subscribed to its kind; returns at once, never throws. */
  notify(event: NotifyEvent): void;
  /** Resolves once every queued delivery has finished (delivered or failed). */
  drain(): Promise<void>;
  /** Stops taking events and waits for the queue to drain (a shutdown 'flush' hook). */
  stop(): Promise<void>;
  stats(): NotifierStats;
}

interface Delivery {
  target: NotifyTarget;
  event: NotifyEvent & { at: Date };
  queuedAt: Date;
}

/**
 * Webhook delivery off the caller's path: notify() only appends to a bounded queue, workers
 * post with retries (network errors, 5xx and 429 are retried with exponential backoff and
 * Retry-After; other 4xx are final), and every outcome is recorded. A full queue drops the new
 * delivery and records it as 'dropped': counted, never silent, and the engine never waits.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const queueSize = options.queueSize ?? 1000;
  const attempts = options.attempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const queue: Delivery[] = [];
  const stats = { queued: 0, delivered: 0, failed: 0, dropped: 0 };
  let active = 0;
  let stopped = false;
  let idle: Array<() => void> = [];
  const pendingRecords = new Set<Promise<void>>();

  const record = (delivery: Delivery, status: 'delivered' | 'failed' | 'dropped', tries: number, httpStatus: number | null, error: string | null): void => {
    if (options.store === undefined) return;
    const done = options.store
      .query(
        `insert into notification_delivery (event_type, target, format, status, attempts, http_status, error, event, queued_at) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
        [delivery.event.type, delivery.target.name, delivery.target.format, status, tries, httpStatus, error, JSON.stringify({ ...delivery.event, at: delivery.event.at.toISOString() }), delivery.queuedAt],
      )
      .then(
        () => undefined,
        () => undefined, // a record that cannot be written must not stop deliveries
      );
    pendingRecords.add(done);
    void done.finally(() => pendingRecords.delete(done));
  };

  const settleIfIdle = (): void => {
    if (active === 0 && queue.length === 0) {
      const waiting = idle;
      idle = [];
      void Promise.all([...pendingRecords]).then(() => waiting.forEach((resolve) => resolve()));
    }
  };

  const deliver = async (delivery: Delivery): Promise<void> => {
    let body: string;
    try {
      body = JSON.stringify(formatPayload(delivery.target.format, delivery.event, delivery.target.chatId === undefined ? {} : { chatId: delivery.target.chatId }));
    } catch (error) {
      stats.failed += 1;
      record(delivery, 'failed', 0, null, (error as Error).message);
      return;
    }
    let lastStatus: number | null = null;
    let lastError = '';
    let tries = 0;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      tries = attempt;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(delivery.target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
        lastStatus = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          stats.delivered += 1;
          record(delivery, 'delivered', attempt, response.status, null);
          return;
        }
        lastError = `HTTP ${response.status}`;
        if (response.status !== 429 && response.status < 500) break; // the receiver refuses this request: retrying will not help
        const after = Number(response.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
      } catch (error) {
        lastError = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `connection failed: ${(error as Error).message}`;
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, retryAfterMs ?? Math.min(60_000, retryDelayMs * 2 ** (attempt - 1))));
    }
    stats.failed += 1;
    record(delivery, 'failed', tries, lastStatus, lastError);
  };

  const pump = (): void => {
    while (active < concurrency && queue.length > 0) {
      const next = queue.shift()!;
      active += 1;
      void deliver(next).finally(() => {
        active -= 1;
        pump();
        settleIfIdle();
      });
    }
  };

  return {
    notify(event) {
      if (stopped) return;
      const stamped = { ...event, at: event.at ?? new Date() };
      for (const target of options.targets) {
        if (!target.events.includes(event.type)) continue;
        const delivery = { target, event: stamped, queuedAt: new Date() };
        if (queue.length >= queueSize) {
          stats.dropped += 1;
          record(delivery, 'dropped', 0, null, `queue full (${queueSize} waiting)`);
          continue;
        }
        stats.queued += 1;
        queue.push(delivery);
      }
      pump();
    },
    drain() {
      return new Promise((resolve) => {
        idle.push(resolve);
        settleIfIdle();
      });
    },
    async stop() {
      stopped = true;
      await this.drain();
    },
    stats: () => ({ ...stats, waiting: queue.length + active }),
  };
}
