import { execFileSync } from 'node:child_process';
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
  restart(mode: 'fast' | 'immediate'): void;
  destroy(): void;
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  const newest = versions.at(-1);
  if (newest === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', newest, 'bin', name);
}

function asPostgres(args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });
}

/** Creates and starts a cluster (trust auth on 127.0.0.1). */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const folder = mkdtempSync(join(tmpdir(), 'orion-pg-'));
  chmodSync(folder, 0o700);
  chownSync(folder, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(folder, 'data');
  const port = await freePort();
  asPostgres([postgresBin('initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${folder}`;
  const start = (): void => asPostgres([postgresBin('pg_ctl'), '-D', data, '-o', options, '-l', join(folder, 'log'), '-w', 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart(mode) {
      asPostgres([postgresBin('pg_ctl'), '-D', data, '-m', mode, '-w', 'stop']);
      start();
    },
    destroy() {
      try {
        asPostgres([postgresBin('pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
