import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../devnet/anvil.ts';

/**
 * Test fixture: a PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp folder, on a
 * free loopback port), for tests that restart or crash the server; never the shared one.
 * initdb and pg_ctl refuse to run as root, so they run as the `postgres` user via runuser.
 */
export interface ThrowawayCluster {
  url: string;
  /** Stops the server (`immediate` = a crash: no checkpoint) and starts it again. */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  const newest = versions.at(-1);
  if (newest === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', newest, 'bin', name);
}

// Awaited child processes, never execFileSync: initdb and a server start under load can block a
// vitest worker past its 60 s RPC timeout ('Timeout calling "onTaskUpdate"').
async function asPostgres(args: string[]): Promise<void> {
  await promisify(execFile)('runuser', ['-u', 'postgres', '--', ...args]);
}

/** Creates and starts a cluster (trust auth on 127.0.0.1). */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const folder = mkdtempSync(join(tmpdir(), 'orion-pg-'));
  chmodSync(folder, 0o700);
  chownSync(folder, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(folder, 'data');
  const port = await freePort();
  await asPostgres([postgresBin('initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${folder}`;
  const start = (): Promise<void> => asPostgres([postgresBin('pg_ctl'), '-D', data, '-o', options, '-l', join(folder, 'log'), '-w', 'start']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(mode) {
      await asPostgres([postgresBin('pg_ctl'), '-D', data, '-m', mode, '-w', 'stop']);
      await start();
    },
    async destroy() {
      try {
        await asPostgres([postgresBin('pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
