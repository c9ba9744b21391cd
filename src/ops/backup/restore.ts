import { loadMigrations, migrate, type Migration, type Queryable, type Store } from '../../store/index.ts';
import { readAuditHead, type AuditHeadReader } from './audit-head.ts';
import { RestoreError } from './errors.ts';
import { readBackupLines, TableDigest, type Manifest, type ManifestTable } from './format.ts';
import { ident, readTables, type TableInfo } from './schema-catalog.ts';
import { CANONICAL_OUTPUT, readTableRows, sessionOf, type RowLine } from './table-reader.ts';
import { verifyBackupFile } from './verify-backup.ts';

/** Options of a restore. */
export interface RestoreOptions {
  /** Replace the rows of a database that holds data (default: refuse it). */
  force?: boolean;
  /**
   * PostgreSQL: restore even while other sessions are connected to the database (default:
   * refuse, naming them). Only for sessions known not to be Orion's (another application
   * sharing the database in its own schema): a running Orion server would keep writing.
   */
  allowOtherSessions?: boolean;
  /** The build's migrations (default: the project's files). */
  migrations?: readonly Migration[];
  /** Reads the restored audit head to compare with the manifest's (default: readAuditHead). */
  auditHead?: AuditHeadReader;
  /**
   * Runs in the restore's transaction once every table is loaded and checked, before it commits
   * (the CLI re-applies the GDPR erasure journal here: src/auth/erasure.ts); a throw rolls the
   * whole restore back.
   */
  afterLoad?: (tx: Queryable) => Promise<void>;
}

/** What a restore did. */
export interface RestoreResult {
  manifest: Manifest;
  /** Migrations applied first because the database was not migrated yet. */
  migrated: number[];
  rows: number;
}

const INSERT_ROWS = 5000;

/**
 * Restores a backup file into `store`: the file is verified against its manifest first (a
 * damaged file is refused before anything is written); on PostgreSQL, a database other
 * sessions are connected to is refused (a running server would keep its own view and go on
 * writing) unless `allowOtherSessions` — on PGlite the folder lock keeps every other process
 * out already (open-store.ts); an unmigrated database is migrated to
 * the backup's schema version; a database holding any row is refused unless `force`; then every
 * table is emptied and loaded in ONE transaction, and before it commits each table's row count
 * and SHA-256 are read back from the database and compared with the manifest (and the audit
 * head with the manifest's). Any mismatch rolls everything back: nothing half-restored.
 */
export async function restoreBackup(store: Store, file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const manifest = await verifyBackupFile(file);
  const known = options.migrations ?? loadMigrations();
  checkMigrationsKnown(manifest, known);
  if (store.backend === 'postgres' && options.allowOtherSessions !== true) await refuseOtherSessions(store);

  const applied = await appliedVersions(store);
  let migrated: number[] = [];
  if (applied.length === 0) {
    const steps = await migrate(store, known.filter((m) => m.version <= manifest.schemaVersion));
    migrated = steps.filter((s) => s.status === 'applied').map((s) => s.version);
  } else if (applied.join(',') !== manifest.migrations.map((m) => m.version).join(',')) {
    throw new RestoreError(
      `the database is at migrations [${applied.join(', ')}] but the backup at [${manifest.migrations.map((m) => m.version).join(', ')}]: restore into an empty, unmigrated database (then run orion migrate)`,
    );
  }

  const tables = await readTables(store);
  checkColumns(manifest, tables);
  if (options.force !== true) {
    for (const table of tables) {
      if (table.name === 'schema_migrations') continue;
      const rows = await store.query(`select 1 from ${ident(table.name)} limit 1`);
      if (rows.rows.length > 0) {
        throw new RestoreError(`the database is not empty: table ${table.name} holds rows; restore into an empty database, or pass --force to replace everything in it`, {
          details: { table: table.name },
        });
      }
    }
  }

  const byName = new Map(tables.map((t) => [t.name, t]));
  let rows = 0;
  await store.transaction(async (tx) => {
    await tx.exec(CANONICAL_OUTPUT);
    await tx.exec(`truncate ${tables.map((t) => ident(t.name)).join(', ')}`);
    let batch: RowLine[] = [];
    let current: ManifestTable | undefined;
    const flush = async (): Promise<void> => {
      if (current === undefined || batch.length === 0) return;
      await insertRows(tx, current, byName.get(current.name)!, batch);
      rows += batch.length;
      batch = [];
    };
    for await (const line of readBackupLines(file)) {
      if (line.kind === 'table') {
        await flush();
        current = manifest.tables.find((t) => t.name === line.name);
      } else if (line.kind === 'row') {
        batch.push(line.line);
        if (batch.length >= INSERT_ROWS) await flush();
      }
    }
    await flush();
    await moveSequences(tx, tables);
    await verifyRestored(tx, manifest, byName, options.auditHead ?? readAuditHead);
    await options.afterLoad?.(tx);
  });
  return { manifest, migrated, rows };
}

/** A session of the server other than the restore's own. */
type OtherSession = {
  pid: number;
  application_name: string;
  client: string | null;
  backend_start: Date;
  usename: string | null;
};

/**
 * Refuses a PostgreSQL database that other client sessions are connected to, naming each (its
 * application, client address, start): a restore under a running platform would change rows
 * beneath a process that keeps its own view of them (and a live writer that keeps sending).
 * The restore's store makes one connection at a time, so `pg_backend_pid()` is all of ours.
 */
async function refuseOtherSessions(store: Store): Promise<void> {
  const found = await store.query<OtherSession>(
    `select pid, application_name, host(client_addr) as client, backend_start, usename from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' order by backend_start`,
  );
  if (found.rows.length === 0) return;
  const named = found.rows.map((s) => `pid ${s.pid} (application "${s.application_name}", user ${s.usename ?? 'unknown'}, client ${s.client ?? 'local socket'}, connected since ${new Date(s.backend_start).toISOString()})`);
  throw new RestoreError(
    `${found.rows.length} other session${found.rows.length === 1 ? ' is' : 's are'} connected to this database: ${named.join('; ')}. Stop the Orion server (and anything else using the database) and run this again, or pass --allow-other-sessions if they are not Orion's`,
    { details: { sessions: found.rows.map((s) => ({ pid: s.pid, applicationName: s.application_name, client: s.client, backendStart: new Date(s.backend_start).toISOString() })) } },
  );
}

function checkMigrationsKnown(manifest: Manifest, known: readonly Migration[]): void {
  for (const m of manifest.migrations) {
    const mine = known.find((k) => k.version === m.version);
    if (mine === undefined) throw new RestoreError(`the backup is at migration ${m.version} (${m.name}), which this build does not know: restore with a build at least as new as the backup`);
    if (mine.checksum !== m.checksum) throw new RestoreError(`the backup's migration ${m.version} (${m.name}) differs from this build's ${mine.name}: restore with the build that made the backup`);
  }
}

async function appliedVersions(db: Queryable): Promise<number[]> {
  const exists = await db.query<{ name: string | null }>(`select to_regclass('schema_migrations')::text as name`);
  if (exists.rows[0]?.name == null) return [];
  const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
  return rows.rows.map((r) => Number(r.version));
}

function checkColumns(manifest: Manifest, tables: readonly TableInfo[]): void {
  for (const entry of manifest.tables) {
    const table = tables.find((t) => t.name === entry.name);
    if (table === undefined) throw new RestoreError(`table ${entry.name} of the backup does not exist in the database after migrating: the schema differs, refused`, { details: { table: entry.name } });
    for (const column of entry.columns) {
      const mine = table.columns.find((c) => c.name === column.name);
      if (mine === undefined || mine.type !== column.type) {
        throw new RestoreError(`column ${entry.name}.${column.name} (${column.type}) of the backup is ${mine === undefined ? 'missing' : mine.type} in the database: the schema differs, refused`, {
          details: { table: entry.name },
        });
      }
    }
  }
}

// One statement per batch: the row lines travel as they are in the file, one JSON array, and the
// database takes each column's text back out and casts it to the column's type, so any type
// round-trips through its text form without per-type code (and without parsing rows in JS).
async function insertRows(tx: Queryable, entry: ManifestTable, table: TableInfo, batch: RowLine[]): Promise<void> {
  const columns = entry.columns;
  const identity = columns.some((c) => table.columns.find((t) => t.name === c.name)?.identity === true);
  const sql = `insert into ${ident(entry.name)} (${columns.map((c) => ident(c.name)).join(', ')})${identity ? ' overriding system value' : ''}
    select ${columns.map((c, i) => `(r ->> ${i})::${c.type}`).join(', ')} from json_array_elements($1::json) as r`;
  await tx.query(sql, [`[${batch.join(',')}]`]);
}

async function moveSequences(tx: Queryable, tables: readonly TableInfo[]): Promise<void> {
  for (const table of tables) {
    for (const column of table.columns) {
      if (column.sequence === null) continue;
      await tx.query(`select setval($1::regclass, coalesce((select max(${ident(column.name)}) from ${ident(table.name)}), 0) + 1, false)`, [column.sequence]);
    }
  }
}

async function verifyRestored(tx: Queryable, manifest: Manifest, tables: Map<string, TableInfo>, auditHead: AuditHeadReader): Promise<void> {
  for (const entry of manifest.tables) {
    const table = tables.get(entry.name)!;
    // Read back in the backup's column order, so the lines are the ones the backup hashed.
    const asBackedUp: TableInfo = { ...table, columns: entry.columns.map((c) => table.columns.find((t) => t.name === c.name)!) };
    asBackedUp.primaryKey = table.primaryKey.map((i) => asBackedUp.columns.findIndex((c) => c.name === table.columns[i]!.name));
    const digest = new TableDigest();
    await readTableRows(sessionOf(tx), asBackedUp, (rows) => rows.forEach((line) => digest.add(line)));
    const rows = digest.rows;
    const sha256 = digest.hex();
    if (rows !== entry.rows || sha256 !== entry.sha256) {
      throw new RestoreError(`restored table ${entry.name} does not match the backup (${rows} rows, SHA-256 ${sha256.slice(0, 12)}; backup ${entry.rows} rows, ${entry.sha256.slice(0, 12)}): rolled back`, {
        details: { table: entry.name },
      });
    }
  }
  const head = await auditHead(tx);
  if (JSON.stringify(head) !== JSON.stringify(manifest.auditHead)) {
    throw new RestoreError(`the restored audit log ends at ${JSON.stringify(head)}, the backup's at ${JSON.stringify(manifest.auditHead)}: rolled back`);
  }
}
