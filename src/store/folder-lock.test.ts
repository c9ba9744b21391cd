import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { StoreLockedError } from './errors.ts';
import { HEARTBEAT_MS, lockFolder, STALE_MS } from './folder-lock.ts';
import { openStore } from './open-store.ts';
import { pgliteFolder } from './pglite-store.ts';
import { freshPgliteDataDir } from './test-store.ts';

const FIXTURE = fileURLToPath(new URL('./lock-holder.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function dataDir(): Promise<string> {
  const dir = await freshPgliteDataDir();
  dirs.push(dir);
  return dir;
}

/** Starts the fixture on `dir`; resolves with its first output line (and the process). */
function runHolder(dir: string, flag?: '--once'): Promise<{ child: ChildProcess; line: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, ...(flag === undefined ? [] : [flag])], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, line: out.slice(0, newline), exited });
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code} before printing; output: ${out}`)));
  });
}

function lockOwnerPid(dir: string): number {
  return (JSON.parse(readFileSync(`${pgliteFolder(dir)}.lock`, 'utf8')) as { pid: number }).pid;
}

describe('PGlite folder lock', () => {
  it('refuses a second open in the same process, naming the folder and this pid', async () => {
    const dir = await dataDir();
    const store = await openStore({ dataDir: dir });
    try {
      const error = await openStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as StoreLockedError).holderPid).toBe(process.pid);
      expect((error as Error).message).toBe(
        `database folder ${pgliteFolder(dir)} is already open in this process (pid ${process.pid}); share that store instead of opening it twice`,
      );
    } finally {
      await store.close();
    }
    expect(existsSync(`${pgliteFolder(dir)}.lock`)).toBe(false);
    const again = await openStore({ dataDir: dir });
    await again.close();
  });

  it('refuses this process and another child while a child process holds the folder', async () => {
    const dir = await dataDir();
    const holder = await runHolder(dir);
    expect(holder.line).toBe(`open ${holder.child.pid}`);

    const error = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as StoreLockedError).holderPid).toBe(holder.child.pid);
    expect((error as Error).message).toMatch(new RegExp(`database folder ${pgliteFolder(dir)} is locked by process ${holder.child.pid} \\(a running Orion server\\?\\)`));

    const second = await runHolder(dir, '--once');
    expect(second.line).toBe(`error StoreLockedError: database folder ${pgliteFolder(dir)} is locked by process ${holder.child.pid} (a running Orion server?); stop it, go through its API, or use PostgreSQL (DATABASE_URL) to share the data`);
    expect(await second.exited).toBe(3);

    // The holder closes cleanly: its lock goes with it and the folder opens here.
    holder.child.stdin?.end();
    expect(await holder.exited).toBe(0);
    expect(existsSync(`${pgliteFolder(dir)}.lock`)).toBe(false);
    const store = await openStore({ dataDir: dir });
    await store.close();
  });

  it('takes over the lock of a holder that was killed', async () => {
    const dir = await dataDir();
    const holder = await runHolder(dir);
    await openStore({ dataDir: dir }).then(
      () => expect.fail('the folder should be locked'),
      (error: unknown) => expect(error).toBeInstanceOf(StoreLockedError),
    );
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(lockOwnerPid(dir)).toBe(holder.child.pid); // a stale lock is left behind

    const store = await openStore({ dataDir: dir });
    try {
      expect(lockOwnerPid(dir)).toBe(process.pid);
      await store.query('create table survived (id int)'); // the database itself is intact
    } finally {
      await store.close();
    }
  });

  it('takes over a lock whose pid is alive but belongs to a newer process, or whose content is garbage', async () => {
    const dir = await dataDir();
    const lockFile = `${pgliteFolder(dir)}.lock`;
    // The parent of this process is alive, but it did not start at the recorded time: pid reuse.
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, startTime: '1', host: hostname(), since: '2020-01-01T00:00:00Z' }));
    const store = await openStore({ dataDir: dir });
    expect(lockOwnerPid(dir)).toBe(process.pid);
    await store.close();

    writeFileSync(lockFile, 'not json');
    const again = await openStore({ dataDir: dir });
    expect(lockOwnerPid(dir)).toBe(process.pid);
    await again.close();
  });

  it('respects a lock from another host or container while its holder touches it, whatever its pid means here; takes it over once the heartbeat stopped', async () => {
    const dir = await dataDir();
    const lockFile = `${pgliteFolder(dir)}.lock`;
    // Another container on this volume: its pid may be ours (both pid 1) or absent from our namespace.
    for (const pid of [process.pid, 4_194_000]) {
      writeFileSync(lockFile, JSON.stringify({ pid, startTime: '7', host: 'other-container-7f3a', since: new Date().toISOString() }));
      const error = await openStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(error, `pid ${pid}`).toBeInstanceOf(StoreLockedError);
      expect((error as Error).message).toContain('on host other-container-7f3a');
      expect(readFileSync(lockFile, 'utf8')).toContain('other-container-7f3a'); // left untouched
    }
    // Its heartbeat stopped longer ago than the stale limit: taken over.
    const stopped = new Date(Date.now() - STALE_MS - 1_000);
    utimesSync(lockFile, stopped, stopped);
    const store = await openStore({ dataDir: dir });
    expect(lockOwnerPid(dir)).toBe(process.pid);
    await store.close();
  });

  it('a holder touches its lock file every heartbeat, and stops once released', async () => {
    const folder = pgliteFolder(await dataDir());
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const lock = lockFolder(folder);
      const old = new Date(Date.now() - STALE_MS);
      utimesSync(lock.lockFile, old, old);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      expect(Date.now() - statSync(lock.lockFile).mtimeMs).toBeLessThan(STALE_MS / 2);
      lock.release();
      expect(existsSync(lock.lockFile)).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('respects a lock held by a live process started when recorded', async () => {
    const dir = await dataDir();
    const lockFile = `${pgliteFolder(dir)}.lock`;
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, startTime, host: hostname(), since: new Date().toISOString() }));
    const error = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as StoreLockedError).holderPid).toBe(process.ppid);
    expect(readFileSync(lockFile, 'utf8')).toContain(`"pid":${process.ppid}`); // left untouched
    rmSync(lockFile);
  });
});
