import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The `orion` command of this checkout. */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'orion.js');

/** A running `orion start` and everything it printed so far. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `orion start` (one block a second unless `env` says otherwise) with `env` on top of this process's. */
export function startOrion(env: Record<string, string>): Started {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: { ...process.env, ORION_BLOCK_TIME: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls `probe` until it gives a value; fails with orion's output on timeout or exit. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, started: Started): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (started.child.exitCode !== null) throw new Error(`orion exited (${started.child.exitCode}) before ${what}:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}:\n${started.output()}`);
}
