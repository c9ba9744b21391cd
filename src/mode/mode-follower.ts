import type { ExecutionMode } from '../executor/executor.ts';
import { openSessionOf } from '../ledger/mode-session.ts';
import type { Store } from '../store/types.ts';
import type { ModeService } from './mode-service.ts';

/**
 * Every instance follows the stored mode while it runs. A switch (this instance's API or CLI,
 * or another instance on the same PostgreSQL) closes the open mode session and opens one in the
 * new mode; an instance whose engine runs a session that is no longer the open one restarts its
 * engine in the open session's mode. Following live → sim is the safety-critical direction: the
 * live executor stops sending when its engine stops (its open intents stay in the database and
 * are reconciled by the next live start).
 *
 * What is followed is a *switch made while running*, never the state found at boot: a stored live
 * mode does not bring a restarted process back into live (src/mode/boot-mode.ts) — the engine
 * enters a sim session at boot, which is then the open one.
 */

/** What the follower needs of the platform. */
export interface ModeFollowerOptions {
  store: Store;
  /** The running engine's mode and session, or undefined while none runs (a restart that failed). */
  running: () => { mode: ExecutionMode; session: bigint } | undefined;
  /** Why this instance cannot run `mode` (e.g. live without ORION_ALLOW_LIVE here), or null when it can. */
  refusal: (mode: ExecutionMode) => string | null | Promise<string | null>;
  /** Stops the running engine and starts it again in `mode` (it enters the open session of that mode). */
  restart: (mode: ExecutionMode) => Promise<void>;
  say: (line: string) => void;
}

/** What /health shows of the follower. */
export interface ModeFollowerStatus {
  /** The open session's mode as last read. */
  stored: ExecutionMode | null;
  /** Why the engine does not run the stored mode, when it does not. */
  note: string | null;
  /** Engine restarts that followed a switch. */
  followed: number;
}

/** The follower: `check()` after a switch here, and on a timer where another process can switch. */
export interface ModeFollower {
  check(): Promise<void>;
  status(): ModeFollowerStatus;
}

export function createModeFollower(options: ModeFollowerOptions): ModeFollower {
  let queue: Promise<void> = Promise.resolve();
  const state: ModeFollowerStatus = { stored: null, note: null, followed: 0 };

  /** The session whose restart failed, leaving no engine: not tried again at every check, only a later switch is. */
  let failedSession: bigint | undefined;

  async function follow(): Promise<void> {
    const running = options.running();
    const open = await openSessionOf(options.store);
    if (open === undefined) return;
    state.stored = open.mode;
    if (running !== undefined && open.id === running.session) {
      state.note = null;
      return;
    }
    // No engine runs: the restart that followed a switch failed (e.g. live refused for a writer lock
    // another instance holds). The next switch is still followed — before, nothing was from then on,
    // and switching back to sim left the instance without an engine until the process restarted.
    if (running === undefined && open.id === failedSession) return;
    const refusal = await options.refusal(open.mode);
    if (refusal !== null) {
      const note = `the stored mode is ${open.mode} (session ${open.id}) but this instance ${running === undefined ? 'runs no engine' : `keeps running ${running.mode}`}: ${refusal}`;
      if (note !== state.note) options.say(`mode: ${note}`);
      state.note = note;
      return;
    }
    options.say(`mode: following the switch to ${open.mode} (session ${open.id}): the engine restarts in ${open.mode}`);
    try {
      await options.restart(open.mode);
    } catch (error) {
      failedSession = open.id;
      state.note = `the engine could not start in ${open.mode} (session ${open.id}): ${(error as Error).message}; the next switch is followed`;
      throw error;
    }
    failedSession = undefined;
    state.followed += 1;
    state.note = null;
  }

  return {
    check() {
      // One follow at a time: a second switch during a restart is read once the first is done.
      const run = queue.then(follow);
      queue = run.catch(() => undefined);
      return run;
    },
    status: () => ({ ...state }),
  };
}

/**
 * The mode service whose `switch` is followed by this instance before it answers: the caller
 * (the API, the dashboard) learns the new mode only once the engine runs it.
 */
export function followingSwitches(service: ModeService, follower: ModeFollower): ModeService {
  return {
    ...service,
    async switch(to, actor) {
      await service.switch(to, actor);
      await follower.check();
      return service.status();
    },
  };
}
