import type { Config } from '../../config.ts';
import type { Store } from '../../store/index.ts';

/**
 * One `orion doctor` check: a name, and a run that returns a verdict with one line of detail.
 * Checks never throw for the thing they check (a refused connection is a 'fail' verdict); the
 * runner turns an unexpected throw into a 'fail' too. New checks (the audit chain's verifier
 * once src/audit lands) are added to the list in checks.ts or passed to runDoctor.
 */

/** ok = healthy, warn = works but needs attention, fail = broken (non-zero exit), skip = not configured. */
export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

/** One check's outcome. */
export interface CheckResult {
  verdict: Verdict;
  detail: string;
}

/** What every check may use. `store` is undefined when the database could not be opened. */
export interface DoctorContext {
  config: Config;
  store: Store | undefined;
  /** Why the store is undefined (the database check reports it). */
  storeProblem: Error | undefined;
  /** Time checks compare against (a test moves it). */
  now: Date;
}

/** A named check. */
export interface DoctorCheck {
  name: string;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

/** A check's result with its name, as printed and as --json. */
export interface NamedResult extends CheckResult {
  name: string;
}

/** Shorthands for results. */
export const ok = (detail: string): CheckResult => ({ verdict: 'ok', detail });
export const warn = (detail: string): CheckResult => ({ verdict: 'warn', detail });
export const fail = (detail: string): CheckResult => ({ verdict: 'fail', detail });
export const skip = (detail: string): CheckResult => ({ verdict: 'skip', detail });
