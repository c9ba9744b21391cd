/**
 * Notices an engine that stopped moving: no block decided for `thresholdMs`. Says so once per
 * stall (not every check), and again only after blocks resumed and stopped again. The timer is
 * unref'd: it never keeps the process alive.
 */

/** Settings of the watch. */
export interface StallWatchOptions {
  /** Quiet time after which the engine counts as stalled. */
  thresholdMs: number;
  /** How often to look (default: a quarter of the threshold). */
  checkEveryMs?: number;
  /** Called once when a stall starts: the last block seen and how long ago. */
  onStall: (lastBlock: bigint | null, quietMs: number) => void;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

/** A running watch. */
export interface StallWatch {
  /** A block was decided. */
  beat(block: bigint): void;
  /** Looks now (what the timer does). */
  check(): void;
  stop(): void;
}

/** Starts the watch; the quiet time counts from now. */
export function startStallWatch(options: StallWatchOptions): StallWatch {
  const now = options.now ?? Date.now;
  let last = now();
  let lastBlock: bigint | null = null;
  let stalled = false;
  const check = (): void => {
    const quiet = now() - last;
    if (stalled || quiet < options.thresholdMs) return;
    stalled = true;
    options.onStall(lastBlock, quiet);
  };
  const timer = setInterval(check, options.checkEveryMs ?? Math.max(250, Math.floor(options.thresholdMs / 4)));
  timer.unref();
  return {
    beat(block) {
      last = now();
      lastBlock = block;
      stalled = false;
    },
    check,
    stop: () => clearInterval(timer),
  };
}
