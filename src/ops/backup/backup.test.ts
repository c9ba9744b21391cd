import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Store } from '../../store/index.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { restoreBackup, verifyBackupFile, writeBackup, BackupFileError, RestoreError } from './index.ts';
import { fillAwkwardRows, MAX_UINT256, migrationsWithAwkwardTable } from './testing/awkward-table.ts';

const migrations = migrationsWithAwkwardTable();
// The PostgreSQL targets are schemas of the shared test database, which other test files (and
// this file's source store) are connected to: these tests are about the data, so they restore
// despite those sessions. restore-sessions.test.ts tests the refusal in a database of its own.
const shared = { migrations, allowOtherSessions: true };
const folder = mkdtempSync(join(tmpdir(), 'orion-backup-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Every row of the awkward table as the store returns them, a view independent of the backup's text form. */
async function awkwardRows(store: Store): Promise<unknown[]> {
  const result = await store.query('select id, label, amount, payload, at, raw, tags, ratio from awkward order by id', [], { bigint: ['id', 'amount'] });
  return result.rows.map((row) => ({ ...row, raw: Buffer.from(row['raw'] as Uint8Array).toString('hex'), at: (row['at'] as Date).toISOString() }));
}

async function tableCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // Every table the migration files create (read from their text, not from the database the
  // backup reads), plus the test's own and the migrations' record.
  const created = migrations.flatMap((m) => [...m.sql.matchAll(/^create table (\w+)/gim)].map((match) => match[1]!));
  for (const table of [...created, 'schema_migrations']) {
    counts[table] = Number((await store.query<{ n: bigint }>(`select count(*) as n from ${table}`)).rows[0]!.n);
  }
  return counts;
}

const backends = testBackends();
const sources = new Map<string, { db: TestStore; file: string }>();

beforeAll(async () => {
  for (const backend of backends) {
    const db = await openTestStore(backend, { migrate: false });
    await migrate(db.store, migrations);
    await fillAwkwardRows(db.store, 60);
    const file = join(folder, `source-${backend}.jsonl`);
    await writeBackup(db.store, file);
    sources.set(backend, { db, file });
  }
});
afterAll(async () => {
  for (const { db } of sources.values()) await db.cleanup();
});

describe('backup file', () => {
  it.each(backends)('from %s: manifest counts every table, schema version and migrations', async (backend) => {
    const { db, file } = sources.get(backend)!;
    const manifest = await verifyBackupFile(file);
    const counts = await tableCounts(db.store);
    expect(Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]))).toEqual(counts);
    expect(manifest.schemaVersion).toBe(9000);
    expect(manifest.migrations.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    // Foreign-key parents come first so a restore can load in file order.
    const names = manifest.tables.map((t) => t.name);
    expect(names.indexOf('awkward')).toBeLessThan(names.indexOf('awkward_child'));
    expect(manifest.auditHead).toBeNull();
  });

  it('one corrupted byte in a row is refused, naming the table', async () => {
    const { file } = sources.get('pglite')!;
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('child of ');
    const damaged = join(folder, 'damaged.jsonl');
    writeFileSync(damaged, `${text.slice(0, at)}Child of ${text.slice(at + 'child of '.length)}`);
    await expect(verifyBackupFile(damaged)).rejects.toThrow(/table awkward_child fails its SHA-256 check/);
    const target = await openTestStore('pglite', { migrate: false });
    try {
      await expect(restoreBackup(target.store, damaged, { migrations })).rejects.toBeInstanceOf(BackupFileError);
      // Refused before anything was written: not even migrated.
      expect((await target.store.query(`select to_regclass('schema_migrations')::text as t`)).rows[0]!['t']).toBeNull();
    } finally {
      await target.cleanup();
    }
  });

  it('a truncated file (no manifest) is refused', async () => {
    const { file } = sources.get('pglite')!;
    const text = readFileSync(file, 'utf8');
    const truncated = join(folder, 'truncated.jsonl');
    writeFileSync(truncated, text.slice(0, text.lastIndexOf('{"manifest"')));
    await expect(verifyBackupFile(truncated)).rejects.toThrow(/has no manifest/);
  });
});

for (const from of backends) {
  for (const to of backends) {
    describe(`restore ${from} -> ${to}`, () => {
      let target: TestStore;
      beforeAll(async () => {
        target = await openTestStore(to, { migrate: false });
      });
      afterAll(async () => target.cleanup());

      it('into an unmigrated database: same rows, same values, same checksums', async () => {
        const { db, file } = sources.get(from)!;
        const result = await restoreBackup(target.store, file, shared);
        expect(result.migrated).toEqual(migrations.map((m) => m.version));
        expect(await tableCounts(target.store)).toEqual(await tableCounts(db.store));
        const restored = await awkwardRows(target.store);
        expect(restored).toEqual(await awkwardRows(db.store));
        expect((restored[0] as { amount: bigint }).amount).toBe(MAX_UINT256);
        // A second backup of the restored database carries the same checksums.
        const again = await writeBackup(target.store, join(folder, `again-${from}-${to}.jsonl`));
        const original = await verifyBackupFile(file);
        expect(again.manifest.tables.map((t) => [t.name, t.sha256])).toEqual(original.tables.map((t) => [t.name, t.sha256]));
      });

      it('the identity sequence continues after the restored rows', async () => {
        await target.store.query(`insert into awkward (label) values ('after-restore-${from}')`);
        const max = await target.store.query<{ id: bigint }>(`select max(id) as id from awkward`);
        expect(max.rows[0]!.id).toBe(61n);
      });

      it('into a database holding rows: refused without --force, naming a table; replaced with it', async () => {
        const { file, db } = sources.get(from)!;
        const refused = restoreBackup(target.store, file, shared);
        await expect(refused).rejects.toBeInstanceOf(RestoreError);
        await expect(refused).rejects.toThrow(/not empty: table \w+ holds rows/);
        await restoreBackup(target.store, file, { ...shared, force: true });
        expect(await awkwardRows(target.store)).toEqual(await awkwardRows(db.store));
      });
    });
  }
}
