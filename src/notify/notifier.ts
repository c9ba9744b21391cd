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
  /** First retry delay; doubles each attempt, capped at `maxRetryDelayMs` (default 1000 ms). */
  retryDelayMs?: number;
  /** The longest wait between two attempts, a receiver's Retry-After included (default 60 s). */
  maxRetryDelayMs?: number;
  /**
   * How long stop() may hold the shutdown (default 15 s): then the deliveries still queued or in
   * flight are abandoned, each recorded as 'dropped', counted, and named in one line to `say`.
   */
  stopTimeoutMs?: number;
  /** Where the notifier tells the operator what it dropped (default: stderr). */
  say?: (line: string) => void;
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
  /** Events not sent to a target again: their `once` key was delivered to it before. */
  repeats: number;
  waiting: number;
}

/** A running notifier. */
export interface Notifier {
  /** Queues `event` for every target subscribed to its kind; returns at once, never throws. */
  notify(event: NotifyEvent): void;
  /** Resolves once every queued delivery has finished (delivered or failed). */
  drain(): Promise<void>;
  /**
   * Stops taking events and waits for the queue to drain (a shutdown 'flush' hook), at most
   * `stopTimeoutMs`: what is left then is recorded as dropped. An event notified after stop() is
   * recorded as dropped too.
   */
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
 * Retry-After, both capped at `maxRetryDelayMs`; other 4xx are final), and every outcome is
 * recorded. A full queue drops the new delivery and records it as 'dropped': counted, never
 * silent, and the engine never waits. Nor does the shutdown, past `stopTimeoutMs`.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const queueSize = options.queueSize ?? 1000;
  const attempts = options.attempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  const say = options.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  /** Aborted at stop()'s deadline: every request and retry wait in flight ends at once. */
  const abandon = new AbortController();
  const inFlight = new Set<Delivery>();
  const queue: Delivery[] = [];
  const stats = { queued: 0, delivered: 0, failed: 0, dropped: 0, repeats: 0 };
  let active = 0;
  let stopped = false;
  let idle: Array<() => void> = [];
  const pendingRecords = new Set<Promise<void>>();

  const recorded = new WeakSet<Delivery>();
  const record = (delivery: Delivery, status: 'delivered' | 'failed' | 'dropped', tries: number, httpStatus: number | null, error: string | null): void => {
    recorded.add(delivery);
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

  /**
   * Whether an event with `delivery`'s `once` key was delivered to its target before (any process
   * on this database). A failed look-up answers no: better a repeat than a notification lost.
   */
  const deliveredBefore = async (delivery: Delivery): Promise<boolean> => {
    const key = delivery.event.once;
    if (key === undefined || options.store === undefined) return false;
    const found = await options.store
      .query(`select 1 from notification_delivery where target = $1 and status = 'delivered' and event->>'once' = $2 limit 1`, [delivery.target.name, key])
      .then((result) => result.rows.length > 0, () => false);
    return found;
  };

  const deliver = async (delivery: Delivery): Promise<void> => {
    if (await deliveredBefore(delivery)) {
      stats.repeats += 1;
      recorded.add(delivery); // nothing to record: the earlier delivery's row stands for it
      return;
    }
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
      if (abandon.signal.aborted) return; // stop()'s deadline passed: recorded as dropped there
      tries = attempt;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(delivery.target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), abandon.signal]) });
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
        if (abandon.signal.aborted) return;
        lastError = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `connection failed: ${(error as Error).message}`;
      }
      if (attempt < attempts) await wait(Math.min(maxRetryDelayMs, retryAfterMs ?? retryDelayMs * 2 ** (attempt - 1)));
    }
    if (abandon.signal.aborted) return;
    stats.failed += 1;
    record(delivery, 'failed', tries, lastStatus, lastError);
  };

  /** Waits `ms`, or less when stop()'s deadline passes. */
  const wait = (ms: number): Promise<void> => new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      abandon.signal.removeEventListener('abort', done);
      resolve();
    }
    abandon.signal.addEventListener('abort', done);
  });

  const pump = (): void => {
    while (active < concurrency && queue.length > 0 && !abandon.signal.aborted) {
      const next = queue.shift()!;
      active += 1;
      inFlight.add(next);
      void deliver(next).finally(() => {
        inFlight.delete(next);
        active -= 1;
        pump();
        settleIfIdle();
      });
    }
  };

  return {
    notify(event) {
      const stamped = { ...event, at: event.at ?? new Date() };
      for (const target of options.targets) {
        if (!target.events.includes(event.type)) continue;
        const delivery = { target, event: stamped, queuedAt: new Date() };
        if (stopped) {
          stats.dropped += 1;
          record(delivery, 'dropped', 0, null, 'notifier stopped (shutting down)');
          say(`notifications: ${event.type} to ${target.name} not sent, the notifier has stopped: ${event.text}`);
          continue;
        }
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
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), stopTimeoutMs)));
      const outcome = await Promise.race([this.drain().then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'drained') return;
      // The deadline: what is still queued or in flight is abandoned, recorded and named.
      const left = [...inFlight, ...queue.splice(0)].filter((d) => !recorded.has(d));
      abandon.abort();
      const reason = `shutdown deadline: undelivered after ${stopTimeoutMs} ms`;
      for (const delivery of left) {
        stats.dropped += 1;
        record(delivery, 'dropped', 0, null, reason);
      }
      say(`notifications: ${left.length} undelivered at the shutdown deadline (${stopTimeoutMs} ms), recorded as dropped: ${left.map((d) => `${d.event.type} to ${d.target.name}`).join(', ')}`);
      await this.drain();
    },
    stats: () => ({ ...stats, waiting: queue.length + active }),
  };
}
