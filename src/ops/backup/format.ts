import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { BackupFileError } from './errors.ts';
import type { ColumnInfo, TableInfo } from './schema-catalog.ts';

/**
 * The backup file (`orion.backup/v1`): UTF-8 JSON lines, readable with any tool.
 *
 *   {"format":"orion.backup/v1"}           the first line
 *   {"table":"settings"}                   a table's section starts
 *   ["mode","\"sim\"","2026-12-02 ..."]    one line per row: each column's text output or null
 *   ...
 *   {"manifest":{...}}                     the last line: versions, counts, checksums
 *
 * A table's SHA-256 is over its row lines exactly as written (each with its "\n"), so any byte
 * changed in a row shows as that table's mismatch. The manifest comes last so the file is
 * written in one pass; a file without it is truncated and refused.
 */

/** The format tag on the first line. */
export const BACKUP_FORMAT = 'orion.backup/v1';

/** One table in the manifest. */
export interface ManifestTable {
  name: string;
  columns: Array<Pick<ColumnInfo, 'name' | 'type'>>;
  rows: number;
  /** SHA-256 (hex) of the table's row lines. */
  sha256: string;
}

/** One applied migration as the source database recorded it. */
export interface ManifestMigration {
  version: number;
  name: string;
  checksum: string;
}

/** The head of the hash-chained audit log when the backup was taken. */
export interface AuditHead {
  table: string;
  /** The last entry's position (id or sequence) as text. */
  position: string;
  /** The last entry's chain hash. */
  hash: string;
}

/** What the last line of a backup file declares. */
export interface Manifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** The backend the backup was taken from (pglite or postgres). */
  source: string;
  /** Highest applied migration version; 0 = none. */
  schemaVersion: number;
  migrations: ManifestMigration[];
  /** Tables in restore order (foreign-key parents first). */
  tables: ManifestTable[];
  /** Tables whose rows the backup leaves out on purpose (their sections are empty): write-backup.ts ROWS_LEFT_OUT. */
  rowsLeftOut?: string[];
  auditHead: AuditHead | null;
}

/** SHA-256 over row lines, each followed by "\n", and their count. */
export class TableDigest {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;

  /** Adds one row line (as written, without its newline). */
  add(line: string): void {
    this.hash.update(line);
    this.hash.update('\n');
    this.rows += 1;
  }

  /** The hex digest (call once). */
  hex(): string {
    return this.hash.digest('hex');
  }
}

/** A manifest entry for `table` and its digest. */
export function manifestTable(table: TableInfo, digest: TableDigest): ManifestTable {
  return { name: table.name, columns: table.columns.map((c) => ({ name: c.name, type: c.type })), rows: digest.rows, sha256: digest.hex() };
}

/** What a pass over a backup file sees, in order. */
export type BackupLine = { kind: 'table'; name: string } | { kind: 'row'; table: string; line: string } | { kind: 'manifest'; manifest: Manifest };

/**
 * Reads a backup file line by line, checking its shape (format line first, rows inside a
 * section, the manifest last); a malformed line is a BackupFileError naming the table it is in.
 * Row lines are not parsed here (a million JSON.parse calls would dominate): their integrity is
 * the table's SHA-256, and the database parses them when they are restored.
 */
export async function* readBackupLines(file: string): AsyncGenerator<BackupLine> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let table: string | undefined;
  let manifestSeen = false;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      const where = table === undefined ? `line ${lineNumber}` : `table ${table} (line ${lineNumber})`;
      if (manifestSeen) throw new BackupFileError(`backup ${file}: data after the manifest at line ${lineNumber}: the file is damaged`);
      if (lineNumber > 1 && line.startsWith('[')) {
        if (table === undefined) throw new BackupFileError(`backup ${file}: row outside any table at line ${lineNumber}: the file is damaged`);
        yield { kind: 'row', table, line };
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new BackupFileError(`backup ${file}: ${where} is not valid JSON: the file is damaged`, { details: { table } });
      }
      if (lineNumber === 1) {
        if ((parsed as { format?: unknown } | null)?.format !== BACKUP_FORMAT) throw new BackupFileError(`${file} is not an Orion backup (${BACKUP_FORMAT}): its first line does not name the format`);
        continue;
      }
      if (parsed === null || typeof parsed !== 'object') {
        throw new BackupFileError(`backup ${file}: ${where} is neither a row, a table nor the manifest: the file is damaged`, { details: { table } });
      } else if (typeof (parsed as { table?: unknown }).table === 'string') {
        table = (parsed as { table: string }).table;
        yield { kind: 'table', name: table };
      } else if (typeof (parsed as { manifest?: unknown }).manifest === 'object') {
        manifestSeen = true;
        yield { kind: 'manifest', manifest: (parsed as { manifest: Manifest }).manifest };
      } else {
        throw new BackupFileError(`backup ${file}: ${where} is neither a row, a table nor the manifest: the file is damaged`, { details: { table } });
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupFileError(`backup file ${file} does not exist`);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new BackupFileError(`backup file ${file} is a folder, not a file`);
    throw error;
  }
  if (lineNumber === 0) throw new BackupFileError(`backup file ${file} is empty`);
  if (!manifestSeen) throw new BackupFileError(`backup ${file} has no manifest (truncated after ${table === undefined ? 'its start' : `table ${table}`}): refused`);
}
