import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore } from '../../store/index.ts';
import { openTestStore, type TestStore } from '../../store/test-store.ts';
import { restoreBackup, writeBackup } from './index.ts';
import { fillAwkwardRows, migrationsWithAwkwardTable } from './testing/awkward-table.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../store/testing/throwaway-postgres.ts';

const migrations = migrationsWithAwkwardTable();
const folder = mkdtempSync(join(tmpdir(), 'orion-crash-'));
let source: TestStore;
let cluster: ThrowawayPostgres;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test runs initdb/pg_ctl through runuser and must run as root (as CI does)');
  cluster = await startThrowawayPostgres();
  source = await openTestStore('pglite', { migrate: false });
  await migrate(source.store, migrations);
  await fillAwkwardRows(source.store, 40);
});
afterAll(async () => {
  await source?.cleanup();
  await cluster?.destroy();
  rmSync(folder, { recursive: true, force: true });
});

describe('restore on a PostgreSQL cluster of our own', () => {
  it('a finished restore survives a server crash (immediate stop) whole; a backup taken after it has the same checksums', async () => {
    const file = join(folder, 'source.jsonl');
    const original = await writeBackup(source.store, file);
    const target = await openStore({ databaseUrl: cluster.url });
    await restoreBackup(target, file, { migrations });
    await target.close();

    await cluster.restart('immediate'); // no shutdown checkpoint: only what the commit made durable remains

    const after = await openStore({ databaseUrl: cluster.url });
    try {
      const again = await writeBackup(after, join(folder, 'after-crash.jsonl'));
      expect(again.manifest.tables.map((t) => [t.name, t.rows, t.sha256])).toEqual(original.manifest.tables.map((t) => [t.name, t.rows, t.sha256]));
    } finally {
      await after.close();
    }
  });
});
