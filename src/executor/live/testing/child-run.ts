import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * TEST CODE — the engine child process of the exactly-once tests (engine-child.ts) run from a
 * test: its output followed line by line, awaited for a pattern, killed at will.
 */

const CHILD = fileURLToPath(new URL('./engine-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A running child. */
export interface Run {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
  kill(signal: NodeJS.Signals): void;
  /** The first match of `pattern` in the output so far or to come; null when the child exits or `timeoutMs` passes first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null>;
}

/**
 * Children still running. A test that fails between starting a child and stopping it left the
 * child running after the test file ended (an engine holding its database session and the live
 * writer lock: the next test run on that PostgreSQL was refused the lock, and a restore test saw
 * its session): `stopChildren` in the file's afterAll, and the worker's exit as the last resort.
 */
const running = new Set<ReturnType<typeof spawn>>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** SIGKILLs every child still running and waits for each to be gone (call it in the test file's afterAll). */
export async function stopChildren(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

/** Starts the engine child with the settings in `settingsFile` (engine-child.ts's ChildSettings). */
export function runChild(settingsFile: string): Run {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, settingsFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => {
    resolve({ code, signal });
    for (const listener of listeners) listener();
  }));
  return {
    exited,
    output: () => output,
    kill: (signal) => void child.kill(signal),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match !== null || child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          resolve(null);
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
