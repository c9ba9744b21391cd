import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_FILE_PATTERN } from './write-backup.ts';

/** The scheduled backups in `dir`, newest first (their names sort by the time they were taken). */
export async function listBackups(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .filter((name) => BACKUP_FILE_PATTERN.test(name))
    .sort()
    .reverse()
    .map((name) => join(dir, name));
}

/**
 * Deletes all but the `keep` newest backups of `dir`; returns the deleted files. Other files are
 * never touched. `written` are the files this process wrote, newest first: they count as newer
 * than every other file whatever their names say, in the order they were written, so a clock
 * that stepped back (names in the "future") never gets the file just written deleted (nor the
 * ones before it, which go oldest first); the rest go by name. At least the newest written is
 * always kept.
 */
export async function rotateBackups(dir: string, keep: number, written: readonly string[] = []): Promise<string[]> {
  const found = await listBackups(dir);
  const ours = written.filter((file) => found.includes(file));
  const ordered = [...ours, ...found.filter((file) => !ours.includes(file))];
  const old = ordered.slice(Math.max(1, keep));
  for (const file of old) await rm(file, { force: true });
  return old;
}

/** When the newest backup of `dir` was completed (its mtime), or undefined when there is none. */
export async function newestBackupTime(dir: string): Promise<{ file: string; at: Date } | undefined> {
  for (const file of await listBackups(dir)) {
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined) return { file, at: info.mtime };
  }
  return undefined;
}
