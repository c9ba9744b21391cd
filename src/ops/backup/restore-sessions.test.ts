import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { restoreBackup, RestoreError, writeBackup } from './index.ts';

// A restore under a running server changes the rows beneath a process that keeps its own view
// of them (and a live writer that keeps sending). On PostgreSQL it is refused while any other
// session is connected to the database; the PGlite folder lock is tested in src/cli/backup.test.ts.
// The test needs a database no other test connects to: one of its own on the test server.
describe.runIf(testBackends().includes('postgres'))('restore into a PostgreSQL database other sessions use', () => {
  const folder = mkdtempSync(join(tmpdir(), 'orion-restore-sessions-'));
  const file = join(folder, 'source.jsonl');
  const name = `orion_restore_${randomBytes(5).toString('hex')}`;
  // Read when the tests run: the body is collected (and skipped) without TEST_DATABASE_URL too.
  const admin = (): Promise<Store> => openStore({ databaseUrl: process.env['TEST_DATABASE_URL']!, maxConnections: 1 });
  const ownDatabase = (): URL => Object.assign(new URL(process.env['TEST_DATABASE_URL']!), { pathname: `/${name}` });
  let source: TestStore;

  beforeAll(async () => {
    source = await openTestStore('pglite');
    await writeBackup(source.store, file);
    const server = await admin();
    try {
      await server.exec(`create database ${name}`);
    } finally {
      await server.close();
    }
  });
  afterAll(async () => {
    await source?.cleanup();
    const server = await admin();
    try {
      await server.exec(`drop database if exists ${name} with (force)`);
    } finally {
      await server.close();
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('is refused while a server is connected, naming its application, client and start; allowed with allowOtherSessions, and alone', async () => {
    const own = ownDatabase();
    const running = ownDatabase();
    running.searchParams.set('application_name', 'orion-server-under-test');
    const server = await openStore({ databaseUrl: running.toString(), maxConnections: 1 });
    const target = await openStore({ databaseUrl: own.toString(), maxConnections: 1 });
    try {
      const started = await server.query<{ at: Date }>('select backend_start as at from pg_stat_activity where pid = pg_backend_pid()');
      const refused = restoreBackup(target, file, { force: true });
      await expect(refused).rejects.toBeInstanceOf(RestoreError);
      await expect(refused).rejects.toThrow(
        `1 other session is connected to this database: pid ${(await server.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid} (application "orion-server-under-test", user postgres, client 127.0.0.1, connected since ${started.rows[0]!.at.toISOString()})`,
      );
      await expect(refused).rejects.toThrow(/--allow-other-sessions/);
      // Refused before anything was written: not even migrated.
      expect((await target.query(`select to_regclass('schema_migrations')::text as t`)).rows[0]!['t']).toBeNull();

      await expect(restoreBackup(target, file, { allowOtherSessions: true })).resolves.toMatchObject({ rows: expect.any(Number) });
      await server.close();
      // Once the server is gone, the restore's own connection is no reason to refuse.
      await expect(restoreBackup(target, file, { force: true })).resolves.toMatchObject({ rows: expect.any(Number) });
    } finally {
      await server.close().catch(() => undefined);
      await target.close();
    }
  });
});
