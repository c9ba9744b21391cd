import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from './errors.ts';
import type { Queryable, Store } from './types.ts';

/**
 * Versioned migrations: files `NNNN_what.sql` in src/store/migrations/, applied in order, each
 * in its own transaction, recorded in `schema_migrations` with a SHA-256 checksum. A file edited
 * after it was applied, or an applied version this build does not know, stops the run: the
 * database and the code would disagree. Add a table with a new file (next free number); never
 * edit an applied one. A file must not hold its own BEGIN/COMMIT (nor CREATE INDEX CONCURRENTLY).
 */

/** The folder of the project's migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** SHA-256 (hex) of the file with line endings normalised to \n. */
  checksum: string;
}

/** What migrate() did for one version. */
export interface MigrationStep {
  version: number;
  name: string;
  status: 'applied' | 'already applied';
}

/** One version's state, for `orion migrate --status`. */
export interface MigrationState {
  version: number;
  name: string;
  appliedAt: Date | undefined;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads and checks the migration files of `dir` (default: the project's), sorted by version. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (match === null) throw new MigrationError(`migration file ${join(dir, file)} is badly named: use NNNN_lower_case_name.sql`);
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    if (/^\s*(begin|commit|rollback|start\s+transaction)\b/im.test(sql)) {
      throw new MigrationError(`migration ${file} controls its own transaction: remove BEGIN/COMMIT, each migration already runs in one`);
    }
    const version = Number(match[1]);
    const twin = migrations.find((m) => m.version === version);
    if (twin !== undefined) throw new MigrationError(`migrations ${twin.name} and ${file} share version ${version}: renumber one`);
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

const CREATE_TABLE = `create table if not exists schema_migrations (
  version integer primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now()
)`;

// One migrator per schema at a time (several processes may start together on PostgreSQL).
const LOCK = `select pg_advisory_xact_lock(hashtext('orion.migrate:' || current_schema()))`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
  [column: string]: unknown;
}

/** Applies every pending migration, each in a transaction; returns what happened per version. */
export async function migrate(store: Store, migrations: readonly Migration[] = loadMigrations()): Promise<MigrationStep[]> {
  await store.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.exec(CREATE_TABLE);
    verify(await appliedRows(tx), migrations);
  });
  const steps: MigrationStep[] = [];
  for (const migration of migrations) {
    const status = await store.transaction(async (tx) => {
      await tx.query(LOCK);
      // Re-read under the lock: another process may have applied it meanwhile.
      const applied = (await appliedRows(tx)).find((row) => row.version === migration.version);
      if (applied !== undefined) {
        verify([applied], [migration]);
        return 'already applied' as const;
      }
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      return 'applied' as const;
    });
    steps.push({ version: migration.version, name: migration.name, status });
  }
  return steps;
}

/** Lists every known or applied version with when it was applied (undefined = pending). */
export async function migrationStatus(store: Queryable, migrations: readonly Migration[] = loadMigrations()): Promise<MigrationState[]> {
  const exists = await store.query<{ name: string | null }>(`select to_regclass('schema_migrations')::text as name`);
  const applied = exists.rows[0]?.name == null ? [] : await appliedRows(store);
  verify(applied, migrations);
  return migrations.map((m) => ({ version: m.version, name: m.name, appliedAt: applied.find((row) => row.version === m.version)?.applied_at }));
}

async function appliedRows(db: Queryable): Promise<AppliedRow[]> {
  return (await db.query<AppliedRow>('select version, name, checksum, applied_at from schema_migrations order by version')).rows;
}

function verify(applied: readonly AppliedRow[], migrations: readonly Migration[]): void {
  for (const row of applied) {
    const migration = migrations.find((m) => m.version === row.version);
    if (migration === undefined) {
      throw new MigrationError(`the database has migration ${row.version} (${row.name}) that this build does not know: run a build at least as new as the database`);
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${migration.name} was edited after it was applied (checksum in database ${row.checksum.slice(0, 12)}, file ${migration.checksum.slice(0, 12)}): restore the file and add a new migration instead`,
      );
    }
  }
}
