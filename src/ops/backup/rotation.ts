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

/** Deletes all but the `keep` newest backups of `dir`; returns the deleted files. Other files are never touched. */
export async function rotateBackups(dir: string, keep: number): Promise<string[]> {
  const old = (await listBackups(dir)).slice(keep);
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
