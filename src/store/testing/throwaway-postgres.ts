import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../devnet/anvil.ts';

/**
 * TEST CODE — a PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp folder, on a
 * free loopback port), for tests that stop or break the database under the code: never the
 * shared server. initdb and pg_ctl refuse to run as root, so they run as the `postgres` user
 * through `runuser` when the test runs as root.
 */

/** A running throwaway cluster. */
export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Stops the server: `fast` (the default) cuts open connections; `immediate` is a crash (no shutdown checkpoint). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it (`immediate`: as a crash) and starts it again. */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops it and deletes its folder. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or undefined when none is installed. */
export function postgresBinDir(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : `/usr/lib/postgresql/${versions[0]}/bin`;
  } catch {
    return undefined;
  }
}

/** Runs a PostgreSQL tool as the postgres user (directly when not root). */
// Awaited, never spawnSync: initdb and a server start under load can block a vitest worker past
// its 60 s RPC timeout ('Timeout calling "onTaskUpdate"').
async function run(bin: string, args: readonly string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  try {
    await promisify(execFile)(command as string, argv as string[], { timeout: 60_000 });
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed (${String(e.code)}): ${e.stderr || e.stdout || (error as Error).message}`);
  }
}

/** Creates and starts a cluster with trust authentication on loopback. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('no PostgreSQL installation under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'orion-pg-'));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const pgCtl = join(bin, 'pg_ctl');
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`;
  const start = (): Promise<void> => run(pgCtl, ['-D', data, '-o', options, '-w', '-t', '60', '-l', join(dir, 'log'), 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => run(pgCtl, ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop(mode = 'fast') {
      await stop(mode);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async restart(mode) {
      await stop(mode);
      running = false;
      await start();
      running = true;
    },
    async destroy() {
      if (running) {
        try {
          await stop();
        } catch {
          // already down
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
