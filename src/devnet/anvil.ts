import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { RuntimeFault } from '../errors.ts';

/**
 * The local chain process: the anvil binary of `@foundry-rs/anvil`, started directly (the npx
 * wrapper costs ~1 s), bound to loopback only, and owned by this process — it is killed on
 * `stop()`, on process exit, and on SIGINT/SIGTERM when nobody else handles those signals.
 */

/** Chain id of every local chain (DESIGN.md: tests talk only to chain 31337 on loopback). */
export const DEVNET_CHAIN_ID = 31337;
/** Block gas limit: raised so one seeding transaction can mint thousands of V3 positions. */
export const DEVNET_GAS_LIMIT = 30_000_000_000n;
/** EIP-170 code size limit in bytes, raised for the seeding helpers and test contracts. */
export const DEVNET_CODE_SIZE_LIMIT = 0x40000;

/** Options of {@link startAnvil}. */
export interface AnvilOptions {
  /** Interval mining every `blockTime` seconds; automine (a block per transaction) when absent. */
  blockTime?: number;
  /** Start from a state file written by `--dump-state` or {@link Anvil.dumpState}. */
  loadStatePath?: string;
  /** Write the state to this file when the chain stops (anvil does it on a graceful exit). */
  dumpStatePath?: string;
  /**
   * Keep only this many recent block states in memory (`--prune-history N`); all of them when
   * absent. A long-running chain otherwise grows by every block's state (~200 MB after 3 minutes
   * of 2-second blocks with noise trades).
   */
  keepStates?: number;
}

/** A running anvil owned by this process. */
export interface Anvil {
  rpcUrl: string;
  wsUrl: string;
  port: number;
  /** Process id of the anvil binary (for tests that prove it is gone). */
  pid: number;
  /** Stops the chain (gracefully, so `dumpStatePath` is written) and waits for the process to end. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const BINARY_PACKAGE = '@foundry-rs/anvil-linux-amd64';
// Generous: loading a large state file on a busy 2-core machine takes a while.
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 30_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Path of the anvil binary shipped in the optional dependency; a clear fault when missing. */
export function anvilBinaryPath(binaryPackage: string = BINARY_PACKAGE): string {
  let path: string;
  try {
    path = join(dirname(require.resolve(`${binaryPackage}/package.json`)), 'bin', 'anvil');
  } catch (cause) {
    throw new RuntimeFault(
      `anvil binary not found: package ${binaryPackage} is not installed (run npm install on linux x64)`,
      { cause },
    );
  }
  try {
    accessSync(path, constants.X_OK);
  } catch (cause) {
    throw new RuntimeFault(`anvil binary not found or not executable at ${path}`, { cause });
  }
  return path;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for anvil to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// Every anvil still running, so process exit can kill them synchronously.
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      // Another listener owns shutdown (the CLI stops the devnet gracefully); the exit hook
      // still guarantees no orphan. Alone, keep the default behaviour: kill and die by the signal.
      if (process.listenerCount(signal) > 1) return;
      for (const child of live) child.kill('SIGKILL');
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    // First in line, so listeners that remove themselves on the signal are still counted.
    process.prependListener(signal, onSignal);
  }
}

// setpriv makes the kernel kill anvil if we die without running exit hooks (kill -9).
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;

function anvilArgs(port: number, options: AnvilOptions): string[] {
  const args = [
    '--host', '127.0.0.1',
    '--port', String(port),
    '--chain-id', String(DEVNET_CHAIN_ID),
    '--gas-limit', DEVNET_GAS_LIMIT.toString(),
    '--code-size-limit', String(DEVNET_CODE_SIZE_LIMIT),
    '--no-request-size-limit',
  ];
  if (options.blockTime !== undefined) {
    if (!(options.blockTime > 0)) throw new RuntimeFault(`anvil blockTime must be > 0 seconds, got ${options.blockTime}`);
    args.push('--block-time', String(options.blockTime));
  }
  if (options.loadStatePath !== undefined) {
    if (!existsSync(options.loadStatePath)) throw new RuntimeFault(`anvil state file not found: ${options.loadStatePath}`);
    args.push('--load-state', options.loadStatePath);
  }
  if (options.dumpStatePath !== undefined) args.push('--dump-state', options.dumpStatePath);
  if (options.keepStates !== undefined) {
    if (!Number.isInteger(options.keepStates) || options.keepStates < 1) throw new RuntimeFault(`anvil keepStates must be a positive integer, got ${options.keepStates}`);
    args.push('--prune-history', String(options.keepStates));
  }
  return args;
}

async function rpcChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(body.result);
  } catch {
    return undefined;
  }
}

/** Starts anvil on a free loopback port and resolves once it answers `eth_chainId`. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const binary = anvilBinaryPath();
  // The port is free when asked but may be taken before anvil binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(binary, port, options);
    } catch (error) {
      lastError = error;
      if (!(error instanceof RuntimeFault && /in use|AddrInUse/i.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function launch(binary: string, port: number, options: AnvilOptions): Promise<Anvil> {
  installHooks();
  const args = anvilArgs(port, options);
  // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
  // anvil must not die before we have stopped what still talks to it (the noise flow, the
  // engine); we stop it ourselves, last. The exit hooks and pdeathsig still rule out orphans.
  const spawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], detached: true };
  const child = SETPRIV === undefined
    ? spawn(binary, args, spawnOptions)
    : spawn(SETPRIV, ['--pdeathsig', 'KILL', binary, ...args], spawnOptions);
  live.add(child);
  // Output is drained (a full pipe would block anvil) and its tail kept for error messages.
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal === null ? -1 : null);
      live.delete(child);
      resolveExit();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const rpcUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError !== undefined) throw new RuntimeFault(`anvil could not be started (${binary}): ${spawnError.message}`, { cause: spawnError });
    if (exitCode !== undefined) {
      throw new RuntimeFault(`anvil exited during start on 127.0.0.1:${port}: ${lastLine(tail)}`, { details: { output: tail } });
    }
    const chainId = await rpcChainId(rpcUrl);
    if (chainId === DEVNET_CHAIN_ID) break;
    if (chainId !== undefined) {
      await stop();
      throw new RuntimeFault(`port ${port} answers with chain id ${chainId}, not our anvil`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new RuntimeFault(`anvil did not answer on ${rpcUrl} within ${READY_TIMEOUT_MS} ms: ${lastLine(tail)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  // Started: its output (a line per request) is drained unread from now on. Kept as text it was
  // ~4 MB of garbage every 30 s in `npm start`'s process, for a tail only start errors print.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.off('data', keep);
    stream?.resume();
  }
  return { rpcUrl, wsUrl: `ws://127.0.0.1:${port}`, port, pid: child.pid ?? -1, stop };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-2).join(' | ') || '(no output)';
}
