import type { LiveStep } from '../live-executor.ts';

/**
 * TEST CODE — the fault hook of the exactly-once tests: an `onStep` observer that SIGKILLs its
 * own process at the `nth` time the live executor reaches `step` (right after signing, after
 * the intent is committed, after the send, once a receipt is read but before it is saved...).
 * It reaches the executor only through the engine's `live.onStep` option of a test's child
 * process (engine-child.ts): there is no environment variable for it, so a configured platform
 * can never arm it.
 */

/** Where to die. */
export interface KillPoint {
  step: LiveStep;
  /** 1 = the first time the step is reached. */
  nth: number;
}

/** An onStep hook that kills the process at `point`; `onReach` sees every step first (for logs). */
export function killAt(point: KillPoint | null, onReach: (step: LiveStep, count: number) => void = () => undefined): (step: LiveStep) => void {
  const seen = new Map<LiveStep, number>();
  return (step) => {
    const count = (seen.get(step) ?? 0) + 1;
    seen.set(step, count);
    onReach(step, count);
    if (point !== null && step === point.step && count === point.nth) process.kill(process.pid, 'SIGKILL');
  };
}
