import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MigrationError } from './errors.ts';
import { loadMigrations, migrate, migrationStatus, MIGRATIONS_DIR } from './migrate.ts';
import { forEachBackend } from './test-store.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A folder of migration files, for tests that edit, add or break migrations. */
function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'orion-migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const TABLES = `select table_name from information_schema.tables where table_schema = current_schema() order by table_name`;

forEachBackend(
  "the project's migrations",
  (db) => {
    it('apply once, create the first tables, and are idempotent', async () => {
      const before = await migrationStatus(db.store);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((state) => state.appliedAt === undefined)).toBe(true);

      const first = await migrate(db.store);
      expect(first.map((step) => step.status)).toEqual(before.map(() => 'applied'));
      const tables = (await db.store.query<{ table_name: string }>(TABLES)).rows.map((row) => row.table_name);
      expect(tables).toEqual(expect.arrayContaining(['chain_checkpoint', 'schema_migrations', 'settings']));

      const second = await migrate(db.store);
      expect(second.map((step) => step.status)).toEqual(before.map(() => 'already applied'));
      expect((await migrationStatus(db.store)).every((state) => state.appliedAt instanceof Date)).toBe(true);
    });

    it('record the SHA-256 of each file', async () => {
      const { rows } = await db.store.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations order by version');
      expect(rows.length).toBe(loadMigrations().length);
      for (const row of rows) {
        const text = readFileSync(join(MIGRATIONS_DIR, row.name), 'utf8').replace(/\r\n/g, '\n');
        expect(row.checksum).toBe(createHash('sha256').update(text).digest('hex'));
      }
    });

    it('survive concurrent runs (the advisory lock serialises them)', async () => {
      const runs = await Promise.all([migrate(db.store), migrate(db.store), migrate(db.store)]);
      expect(runs.flat().every((step) => step.status === 'already applied')).toBe(true);
    });
  },
  { migrate: false },
);

forEachBackend(
  'migration history checks',
  (db) => {
    const one = { '0001_create_a.sql': 'create table a (id int primary key);\n' };

    it('applies files in version order, then a new one only', async () => {
      expect((await migrate(db.store, loadMigrations(migrationDir(one)))).map((s) => s.status)).toEqual(['applied']);
      const two = { ...one, '0002_create_b.sql': 'create table b (id int references a (id));' };
      const steps = await migrate(db.store, loadMigrations(migrationDir(two)));
      expect(steps).toEqual([
        { version: 1, name: '0001_create_a.sql', status: 'already applied' },
        { version: 2, name: '0002_create_b.sql', status: 'applied' },
      ]);
    });

    it('stops when an applied migration was edited', async () => {
      const edited = { '0001_create_a.sql': 'create table a (id bigint primary key);\n', '0002_create_b.sql': 'create table b (id int references a (id));' };
      const error = await migrate(db.store, loadMigrations(migrationDir(edited))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(/migration 0001_create_a.sql was edited after it was applied \(checksum in database [0-9a-f]{12}, file [0-9a-f]{12}\)/);
      // migrationStatus refuses the same history.
      await expect(migrationStatus(db.store, loadMigrations(migrationDir(edited)))).rejects.toThrow(/was edited after it was applied/);
    });

    it('treats CRLF line endings as the same file', async () => {
      const crlf = { '0001_create_a.sql': 'create table a (id int primary key);\r\n', '0002_create_b.sql': 'create table b (id int references a (id));' };
      expect((await migrate(db.store, loadMigrations(migrationDir(crlf)))).every((s) => s.status === 'already applied')).toBe(true);
    });

    it('stops when the database holds a version the files do not', async () => {
      await expect(migrate(db.store, loadMigrations(migrationDir(one)))).rejects.toThrow(
        /the database has migration 2 \(0002_create_b.sql\) that this build does not know/,
      );
    });

    it('rolls back a failing migration entirely and records nothing', async () => {
      const broken = {
        '0001_create_a.sql': one['0001_create_a.sql'],
        '0002_create_b.sql': 'create table b (id int references a (id));',
        '0003_half.sql': 'create table c (id int);\ninsert into c values (1);\nselect no_such_function();\n',
      };
      await expect(migrate(db.store, loadMigrations(migrationDir(broken)))).rejects.toThrow(/no_such_function/);
      const tables = (await db.store.query<{ table_name: string }>(TABLES)).rows.map((row) => row.table_name);
      expect(tables).not.toContain('c');
      expect((await db.store.query('select version from schema_migrations order by version')).rows).toEqual([{ version: 1 }, { version: 2 }]);
    });
  },
  { migrate: false },
);

describe('loadMigrations', () => {
  it('rejects two files with one version', () => {
    const dir = migrationDir({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 2;' });
    expect(() => loadMigrations(dir)).toThrow(/migrations 0001_a.sql and 0001_b.sql share version 1/);
  });

  it('rejects a badly named file', () => {
    const dir = migrationDir({ '1_a.sql': 'select 1;' });
    expect(() => loadMigrations(dir)).toThrow(/1_a.sql is badly named: use NNNN_lower_case_name.sql/);
  });

  it('rejects a file that opens its own transaction', () => {
    const dir = migrationDir({ '0001_a.sql': 'begin;\ncreate table a (id int);\ncommit;\n' });
    expect(() => loadMigrations(dir)).toThrow(/0001_a.sql controls its own transaction/);
  });
});
