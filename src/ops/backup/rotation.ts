import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { appendLineDurably } from '../../util/durable-append.ts';
import { BackupError } from './errors.ts';
import { BACKUP_FILE_MODE, BACKUP_FILE_PATTERN, describeFsError } from './write-backup.ts';

/**
 * The order in which the schedule wrote (and verified) its backups, one JSON line per backup,
 * oldest first, kept beside them. A backup's name follows the wall clock, which can step back
 * (or a file can be copied in under any name): the order file is what says which backup is
 * really the newest, across restarts. It holds names and manifest times only, never data.
 */
export const BACKUP_ORDER_FILE = 'orion-backup-order.jsonl';

/** One line of the order file. */
interface OrderLine {
  file: string;
  /** The manifest's createdAt (for the operator reading the file; the order is the line order). */
  createdAt: string;
}

/**
 * Records `file` (just written into `dir` and verified against its manifest) as the newest
 * backup: one line appended to the order file and fsynced, so the order survives a crash.
 */
export async function recordBackupOrder(dir: string, file: string, createdAt: string): Promise<void> {
  const line: OrderLine = { file: basename(file), createdAt };
  const path = join(dir, BACKUP_ORDER_FILE);
  try {
    await appendLineDurably(path, JSON.stringify(line), BACKUP_FILE_MODE);
  } catch (cause) {
    throw new BackupError(`cannot record backup ${file} in ${path}: ${describeFsError(cause)}`, { cause });
  }
}

/** The lines of the order file, newest first, one per name; a torn or foreign line is skipped. */
async function recordedNewestFirst(dir: string): Promise<OrderLine[]> {
  const text = await readFile(join(dir, BACKUP_ORDER_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines: OrderLine[] = [];
  for (const line of text.split('\n').reverse()) {
    let parsed: Partial<OrderLine> | null;
    try {
      parsed = JSON.parse(line) as Partial<OrderLine> | null;
    } catch {
      continue; // a line cut by a crash mid-append: that backup ranks as unrecorded
    }
    const name = parsed?.file;
    if (typeof name === 'string' && BACKUP_FILE_PATTERN.test(name) && !lines.some((l) => l.file === name)) lines.push({ file: name, createdAt: String(parsed?.createdAt) });
  }
  return lines;
}

/** The time a backup's name claims (backupFileName's inverse). */
function nameTime(name: string): number {
  const [, date, hh, mm, ss, ms] = /^orion-backup-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.jsonl$/.exec(name) ?? [];
  return Date.parse(`${date}T${hh}:${mm}:${ss}.${ms}Z`);
}

/**
 * The backups in `dir`, newest first. First the ones the schedule recorded (it verified each),
 * in the reverse of the order it wrote them, whatever their names say; then the others (older
 * backups, files copied in) by name; last, the others whose names lie after `now` — a name
 * from the future proves nothing about when a file was written, so it never outranks a backup
 * that is known to be real.
 */
export async function listBackups(dir: string, now: Date = new Date()): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const present = names.filter((name) => BACKUP_FILE_PATTERN.test(name));
  const recorded = (await recordedNewestFirst(dir)).map((line) => line.file).filter((name) => present.includes(name));
  const others = present.filter((name) => !recorded.includes(name)).sort().reverse();
  const past = others.filter((name) => nameTime(name) <= now.getTime());
  const future = others.filter((name) => nameTime(name) > now.getTime());
  return [...recorded, ...past, ...future].map((name) => join(dir, name));
}

/**
 * Deletes all but the `keep` newest backups of `dir` (listBackups' order; at least one is
 * kept); returns the deleted files. Other files are never touched. The order file is then
 * rewritten (atomically) to the recorded backups still present, so it does not grow forever.
 */
export async function rotateBackups(dir: string, keep: number, now: Date = new Date()): Promise<string[]> {
  const ordered = await listBackups(dir, now);
  const old = ordered.slice(Math.max(1, keep));
  for (const file of old) await rm(file, { force: true });
  const remaining = new Set(ordered.slice(0, Math.max(1, keep)).map((file) => basename(file)));
  const kept = (await recordedNewestFirst(dir)).filter((line) => remaining.has(line.file)).reverse();
  const path = join(dir, BACKUP_ORDER_FILE);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, kept.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: BACKUP_FILE_MODE });
  await rename(temp, path);
  return old;
}

/** The newest backup of `dir` (listBackups' order) and when it was completed (its mtime), or undefined when there is none. */
export async function newestBackupTime(dir: string, now: Date = new Date()): Promise<{ file: string; at: Date } | undefined> {
  for (const file of await listBackups(dir, now)) {
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined) return { file, at: info.mtime };
  }
  return undefined;
}
