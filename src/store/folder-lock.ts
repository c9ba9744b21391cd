import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { StoreError, StoreLockedError } from './errors.ts';

/**
 * An exclusive, process-owned lock on a PGlite data folder: a lock file beside the folder
 * (`<folder>.lock`, outside it so a copy or backup of the folder never carries a live lock)
 * holding the owner's pid and process start time. A second opener - another process or
 * this one again - is refused; a lock whose owner is dead (or whose pid now belongs to
 * another process) is stale and taken over, like PostgreSQL's postmaster.pid.
 *
 * A pid says nothing about a process on another host, or in another container sharing the
 * data volume (its pid namespace is not ours: the pid may be absent here, or be our own). So the
 * holder touches its lock file every {@link HEARTBEAT_MS}, and a lock written on another host is
 * stale only once that heartbeat has stopped for {@link STALE_MS}: two containers on one volume
 * never open the same folder (two PGlite writers would corrupt it).
 */

/** How often a holder touches its lock file. */
export const HEARTBEAT_MS = 10_000;
/** A lock from another host whose file was not touched for this long is stale (six heartbeats missed). */
export const STALE_MS = 60_000;

/** A held lock; `release` is idempotent and only removes the file if it is still ours. */
export interface FolderLock {
  readonly lockFile: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  /** Kernel start time of the process (Linux), so a reused pid is not mistaken for the owner. */
  startTime: string | undefined;
  host: string;
  since: string;
}

// Locks held by this process, shared across module copies (vitest may load a module twice).
const HELD_KEY = Symbol.for('orion.store.heldFolderLocks');
const held: Map<string, string> = ((globalThis as Record<symbol, unknown>)[HELD_KEY] as Map<string, string> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[HELD_KEY] = new Map<string, string>());

let exitHookInstalled = false;

/** Takes the lock on `folder` or throws StoreLockedError naming the folder and the holder pid. */
export function lockFolder(dataFolder: string): FolderLock {
  const folder = resolve(dataFolder);
  const lockFile = `${folder}.lock`;
  if (held.has(lockFile)) throw new StoreLockedError(folder, process.pid, true);
  try {
    mkdirSync(dirname(lockFile), { recursive: true });
  } catch (error) {
    throw new StoreError(`cannot create the data folder ${dirname(lockFile)}: ${(error as Error).message}`, { cause: error });
  }
  const mine = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), since: new Date().toISOString() } satisfies LockOwner);
  for (let attempt = 0; attempt < 10; attempt++) {
    if (attempt > 0) pause(10 * attempt);
    if (createExclusive(lockFile, mine)) {
      held.set(lockFile, mine);
      installExitHook();
      const heartbeat = setInterval(() => touchIfMine(lockFile, mine), HEARTBEAT_MS);
      heartbeat.unref();
      return {
        lockFile,
        release: () => {
          clearInterval(heartbeat);
          release(lockFile, mine);
        },
      };
    }
    const current = readOwner(lockFile);
    if (current === undefined) continue; // vanished between our attempt and the read: try again
    if (current.owner.host !== '' && current.owner.host !== hostname()) {
      if (heartbeatAgeMs(lockFile) < STALE_MS) throw new StoreLockedError(folder, current.owner.pid, false, current.owner.host);
    } else if (isAlive(current.owner)) throw new StoreLockedError(folder, current.owner.pid, false);
    takeOverStale(lockFile, current.text);
  }
  throw new StoreError(`could not lock ${folder}: the lock file ${lockFile} keeps changing hands`);
}

/** Creates `path` holding `content` only if it does not exist, atomically (temp file + link). */
function createExclusive(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(temp, content, { flag: 'wx' });
  } catch (error) {
    throw new StoreError(`cannot write the lock file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // link() fails if the target exists, and the target appears with its whole content:
    // no reader ever sees a half-written lock.
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError(`cannot create the lock file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    unlinkSync(temp);
  }
}

function readOwner(path: string): { text: string; owner: LockOwner } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isSafeInteger(owner.pid) && owner.pid > 0) return { text, owner };
  } catch {
    // fall through: unreadable content counts as a dead owner
  }
  return { text, owner: { pid: 0, startTime: undefined, host: '', since: '' } };
}

/** Milliseconds since the lock file was last touched (its holder's heartbeat); Infinity when it is gone. */
function heartbeatAgeMs(lockFile: string): number {
  try {
    return Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The holder's heartbeat: the lock file's time moved to now, while the file is still ours. */
function touchIfMine(lockFile: string, mine: string): void {
  try {
    if (held.get(lockFile) === mine && readOwner(lockFile)?.text === mine) {
      const now = new Date();
      utimesSync(lockFile, now, now);
    }
  } catch {
    // The next beat tries again; a lock that vanished is reported by nobody here (its folder is still open).
  }
}

/** Whether the lock's owner still runs: its pid exists and (on Linux) started when recorded. */
function isAlive(owner: LockOwner): boolean {
  if (owner.pid <= 0) return false;
  // Our own pid in a lock we do not hold: a previous life of this pid (container restart).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = processStartTime(owner.pid);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined off Linux. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock whose content is still `staleText`. A guard file serialises takers,
 * so two processes finding the same stale lock cannot remove each other's fresh one.
 */
function takeOverStale(lockFile: string, staleText: string): void {
  const guard = `${lockFile}.takeover`;
  const guardOwner = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), since: new Date().toISOString() });
  if (!createExclusive(guard, guardOwner)) {
    const other = readOwner(guard);
    // A taker that died mid-takeover leaves its guard: clear it; otherwise let the live taker finish.
    if (other !== undefined && !isAlive(other.owner)) safeUnlink(guard);
    return;
  }
  try {
    if (readOwner(lockFile)?.text === staleText) safeUnlink(lockFile);
  } finally {
    safeUnlink(guard);
  }
}

/** Blocks for `ms` (only while another taker finishes a takeover: a few milliseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function release(lockFile: string, mine: string): void {
  if (held.get(lockFile) !== mine) return;
  held.delete(lockFile);
  if (readOwner(lockFile)?.text === mine) safeUnlink(lockFile);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A process that exits without closing its store leaves no lock behind (a killed one
  // leaves a stale lock, which the next opener takes over).
  process.on('exit', () => {
    for (const [lockFile, mine] of held) release(lockFile, mine);
  });
}
