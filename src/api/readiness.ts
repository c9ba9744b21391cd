/**
 * What the platform still waits for before it can serve: each component registers a named
 * check and marks it ready (or failed, with the reason) as it comes up. `/readyz` reports it.
 */
/** State of one readiness check. */
export type ReadinessState = 'pending' | 'ready' | 'failed';

/** One named check, with a detail (where it runs, or why it failed). */
export interface ReadinessCheck {
  name: string;
  state: ReadinessState;
  detail?: string;
}

/** Named readiness checks; the platform is ready when every check is. */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Declares a component the platform waits for. */
  expect(name: string): void {
    this.checks.set(name, { name, state: 'pending' });
  }

  markReady(name: string, detail?: string): void {
    this.checks.set(name, detail === undefined ? { name, state: 'ready' } : { name, state: 'ready', detail });
  }

  markFailed(name: string, detail: string): void {
    this.checks.set(name, { name, state: 'failed', detail });
  }

  get ready(): boolean {
    return [...this.checks.values()].every((check) => check.state === 'ready');
  }

  list(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
