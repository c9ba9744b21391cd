/**
 * Exponential backoff with "equal jitter": half the delay is fixed so a retry never comes too
 * soon, half is random so many clients that failed together do not retry together.
 */

/** Backoff settings in milliseconds. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** The default retry schedule: 100 ms, 200 ms, 400 ms ... capped at 10 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 10_000 };

/** Delay before retry number `attempt` (1 = first retry), in ms; `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms` milliseconds; rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
