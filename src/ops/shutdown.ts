/**
 * The platform's stop order as a list others can join: each part registers a hook in a phase,
 * and `run` calls the phases in order, hooks of one phase in the order they were added (the
 * reverse of start order is the caller's business: add in the order they must stop).
 *
 *   intake    stop taking new work: the HTTP listener, the block stream's intake
 *   in-flight finish what is in flight: the engine completes its current block and checkpoints
 *   flush     write what is buffered: the ledger's pending rows, a backup in progress
 *   close     release resources: the local chain, the database (last)
 *
 * A hook that throws does not stop the later ones (the database still closes); the errors are
 * returned, and the first rethrown by `runOrThrow`.
 */

/** The phases, in the order they run. */
export const SHUTDOWN_PHASES = ['intake', 'in-flight', 'flush', 'close'] as const;

/** One phase of the stop order. */
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

/** A hook's failure, with its name. */
export interface ShutdownFailure {
  hook: string;
  phase: ShutdownPhase;
  error: Error;
}

/** The ordered hook list. */
export interface ShutdownHooks {
  /** Adds `stop` to `phase`, named `name` in errors and in `list()`. */
  add(phase: ShutdownPhase, name: string, stop: () => Promise<void> | void): void;
  /** The hooks in the order they will run, as `phase:name`. */
  list(): string[];
  /** Runs every hook once, in order; later calls return the first run's result. */
  run(): Promise<ShutdownFailure[]>;
}

/** A new, empty hook list. */
export function createShutdownHooks(): ShutdownHooks {
  const hooks: Array<{ phase: ShutdownPhase; name: string; stop: () => Promise<void> | void }> = [];
  let running: Promise<ShutdownFailure[]> | undefined;
  const ordered = (): typeof hooks => SHUTDOWN_PHASES.flatMap((phase) => hooks.filter((hook) => hook.phase === phase));
  return {
    add(phase, name, stop) {
      if (running !== undefined) throw new Error(`shutdown hook ${name} added while the platform is stopping`);
      hooks.push({ phase, name, stop });
    },
    list: () => ordered().map((hook) => `${hook.phase}:${hook.name}`),
    run() {
      running ??= (async () => {
        const failures: ShutdownFailure[] = [];
        for (const hook of ordered()) {
          try {
            await hook.stop();
          } catch (error) {
            failures.push({ hook: hook.name, phase: hook.phase, error: error instanceof Error ? error : new Error(String(error)) });
          }
        }
        return failures;
      })();
      return running;
    },
  };
}
