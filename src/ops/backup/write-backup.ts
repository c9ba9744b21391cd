import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Store } from '../../store/index.ts';
import { readAuditHead, type AuditHeadReader } from './audit-head.ts';
import { BackupError } from './errors.ts';
import { BACKUP_FORMAT, manifestTable, TableDigest, type Manifest, type ManifestMigration } from './format.ts';
import { readTables } from './schema-catalog.ts';
import { readTableRows, withReadSession } from './table-reader.ts';

/** What writeBackup produced. */
export interface BackupResult {
  file: string;
  bytes: number;
  manifest: Manifest;
}

/** Options of a backup. */
export interface BackupOptions {
  /** Reads the audit head for the manifest (default: readAuditHead). */
  auditHead?: AuditHeadReader;
}

/**
 * A backup holds password hashes and TOTP secrets (a restored platform must still let its users
 * sign in): only the owner may read it, and only the owner may list the backup folder.
 */
export const BACKUP_FILE_MODE = 0o600;
export const BACKUP_FOLDER_MODE = 0o700;

/**
 * Tables whose rows a backup leaves out, and why. The JWT signing keys (src/auth, migration
 * 0004): with them anyone who reads a backup could sign an admin token. A restored platform makes
 * a new key at the first login (src/auth/signing-keys.ts `active()`); tokens signed before the
 * restore stop verifying, which after a restore is wanted anyway. The table's section is written
 * empty, so the manifest still lists every table of the schema.
 */
export const ROWS_LEFT_OUT: Readonly<Record<string, string>> = {
  auth_signing_key: 'JWT signing keys: a new one is made at the first login after a restore',
};

// Lines are gathered into ~1 MB writes: one syscall per row would dominate a large ledger.
const FLUSH_BYTES = 1 << 20;

/**
 * Writes a logical backup of every table of the store's schema to `file`, atomically: the
 * data goes to a temp file beside it (fsynced), which is renamed over `file` only once complete,
 * so `file` is either the old content or a whole new backup. Any failure (a full disk: ENOSPC)
 * removes the temp file and throws a BackupError naming the file and the cause; older files in
 * the folder are never touched. Every table is read in one snapshot (see withReadSession: on
 * PGlite the engine's queries wait for it).
 */
export async function writeBackup(store: Store, file: string, options: BackupOptions = {}): Promise<BackupResult> {
  const target = resolve(file);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx', BACKUP_FILE_MODE);
  } catch (cause) {
    throw new BackupError(`cannot write backup ${target}: ${describeFsError(cause)}`, { cause });
  }
  let buffered: string[] = [];
  let bufferedBytes = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    if (buffered.length === 0) return;
    const chunk = Buffer.from(buffered.join(''), 'utf8');
    buffered = [];
    bufferedBytes = 0;
    let offset = 0;
    while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
    written += chunk.length;
  };
  const put = async (line: string): Promise<void> => {
    buffered.push(line, '\n');
    bufferedBytes += line.length + 1;
    if (bufferedBytes >= FLUSH_BYTES) await flush();
  };
  try {
    const manifest = await withReadSession(store, async (session) => {
      const tables = await session((db) => readTables(db));
      const migrations = await session((db) => readMigrations(db));
      const auditHead = await session((db) => (options.auditHead ?? readAuditHead)(db));
      await put(JSON.stringify({ format: BACKUP_FORMAT }));
      const entries = [];
      for (const table of tables) {
        await put(JSON.stringify({ table: table.name }));
        const digest = new TableDigest();
        if (ROWS_LEFT_OUT[table.name] === undefined) await readTableRows(session, table, async (rows) => {
          for (const line of rows) {
            digest.add(line);
            await put(line);
          }
        });
        entries.push(manifestTable(table, digest));
      }
      const result: Manifest = {
        format: BACKUP_FORMAT,
        createdAt: new Date().toISOString(),
        source: store.backend,
        schemaVersion: migrations.reduce((max, m) => Math.max(max, m.version), 0),
        migrations,
        tables: entries,
        rowsLeftOut: tables.map((t) => t.name).filter((name) => ROWS_LEFT_OUT[name] !== undefined),
        auditHead,
      };
      return result;
    });
    await put(JSON.stringify({ manifest }));
    await flush();
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    await syncFolder(dirname(target));
    return { file: target, bytes: written, manifest };
  } catch (cause) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    if (cause instanceof BackupError) throw cause;
    throw new BackupError(`backup ${target} failed after ${written} bytes: ${describeFsError(cause)}; nothing was replaced and older backups are kept`, { cause });
  }
}

async function readMigrations(db: Parameters<AuditHeadReader>[0]): Promise<ManifestMigration[]> {
  const exists = await db.query<{ name: string | null }>(`select to_regclass('schema_migrations')::text as name`);
  if (exists.rows[0]?.name == null) return [];
  const rows = await db.query<{ version: number; name: string; checksum: string }>('select version, name, checksum from schema_migrations order by version');
  return rows.rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum }));
}

// A rename is durable only once its folder's entry is on disk.
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An fs error as one readable phrase (ENOSPC -> "no space left on device (ENOSPC)"). */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EROFS: 'read-only file system',
    ENOENT: 'no such folder',
    EEXIST: 'the file already exists',
  };
  if (code !== undefined && known[code] !== undefined) return `${known[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** The name of a scheduled or API backup file taken at `at` (sorts by time). */
export function backupFileName(at: Date): string {
  return `orion-backup-${at.toISOString().replace(/[:.]/g, '-')}.jsonl`;
}

/** Matches the files backupFileName makes (for rotation and the last backup's age). */
export const BACKUP_FILE_PATTERN = /^orion-backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.jsonl$/;

/**
 * The server's backup action (what `POST /api/v1/ops/backup` calls once the API lands): a new
 * timestamped backup in `dir` (created if missing). PGlite belongs to the server's process, so
 * while the server runs, this is the way to back it up.
 */
export async function takeBackup(store: Store, dir: string, options: BackupOptions = {}): Promise<BackupResult> {
  const folder = resolve(dir);
  const exists = await stat(folder).catch(() => undefined);
  if (exists === undefined) {
    await mkdir(folder, { recursive: true, mode: BACKUP_FOLDER_MODE }).catch((cause: unknown) => {
      throw new BackupError(`cannot create backup folder ${folder}: ${describeFsError(cause)}`, { cause });
    });
  } else if (!exists.isDirectory()) {
    throw new BackupError(`backup folder ${folder} is a file, not a folder`);
  }
  // Also a folder made before, or by the operator, with the umask's 0755: closed to others.
  await chmod(folder, BACKUP_FOLDER_MODE).catch((cause: unknown) => {
    throw new BackupError(`cannot make backup folder ${folder} private (mode 700): ${describeFsError(cause)}`, { cause });
  });
  return writeBackup(store, join(folder, backupFileName(new Date())), options);
}
