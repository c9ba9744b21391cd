import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.ts';
import { loadOrCreateCheckpointKey } from '../audit/checkpoint-key.ts';
import { ERASURE_JOURNAL_FILE, eraseUser, erasureJournal } from '../auth/erasure.ts';
import { createUsers, type User } from '../auth/users.ts';
import { writeBackup } from '../ops/backup/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { runCli, useFreshDataDir } from './testing/run-cli.ts';

/**
 * A person erased (GDPR) after a backup was taken must stay erased when that backup is
 * restored: the erasure journal outside the database is applied again in the restore's
 * transaction, and audited. Read back from the tables and from a fresh backup of the restored
 * database (every table, as text), not from what the restore says.
 */
describe('orion restore applies the GDPR erasure journal again (PGlite under ORION_DATA_DIR)', async () => {
  const dataDir = await useFreshDataDir();
  const folder = mkdtempSync(join(tmpdir(), 'orion-restore-erasure-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const NAME = 'bob-the-trader';
  const withStore = async <T>(work: (store: Store, audit: ReturnType<typeof createAuditLog>) => Promise<T>): Promise<T> => {
    const store = await openStore({ dataDir });
    try {
      return await work(store, createAuditLog(store, loadOrCreateCheckpointKey(join(dataDir, 'audit-checkpoint-key.pem'))));
    } finally {
      await store.close();
    }
  };

  it('erase after a backup, restore: the personal data is gone again, the re-application is audited, the chain verifies', async () => {
    expect((await runCli(['migrate'])).code).toBe(0);
    const backup = join(folder, 'before-erasure.jsonl');
    const bob: User = await withStore(async (store, audit) => {
      const added = await createUsers(store).add({ username: NAME, role: 'trader', password: 'a long test password 123', mustChangePassword: false });
      await audit.append({ type: 'user.added', subject: added.pseudonym, details: { userId: added.id, role: 'trader' }, subjectData: { username: added.username } });
      await store.query('insert into auth_login_attempt (user_id, ok) values ($1, true)', [added.id]);
      await writeBackup(store, backup);
      await store.transaction((tx) =>
        eraseUser(tx, { store, audit, erasures: erasureJournal(dataDir) }, added, (count) => ({ type: 'gdpr.erase', subject: added.pseudonym, details: { personalRowsRemoved: count } })));
      return added;
    });
    expect(readFileSync(backup, 'utf8')).toContain(NAME); // the backup still holds bob
    const journal = readFileSync(join(dataDir, ERASURE_JOURNAL_FILE), 'utf8');
    expect(journal).toContain(bob.id);
    expect(journal).not.toContain(NAME); // the journal holds what redoing needs, never the data

    const restored = await runCli(['restore', '--in', backup, '--force']);
    expect(restored).toMatchObject({ code: 0, err: '' });
    expect(restored.out).toContain(`GDPR erasures applied again (from ${join(dataDir, ERASURE_JOURNAL_FILE)}): user ${bob.id}`);

    const after = join(folder, 'after-restore.jsonl');
    await withStore(async (store) => {
      const user = await store.query<{ username: string; erased: boolean }>('select username, erased_at is not null as erased from auth_user where id = $1', [bob.id]);
      expect(user.rows).toEqual([{ username: `erased-${bob.pseudonym}`, erased: true }]);
      expect((await store.query('select 1 from auth_login_attempt where user_id = $1', [bob.id])).rows).toEqual([]);
      const record = await store.query<{ subject: string; details: Record<string, unknown> }>("select subject, details from audit_log where type = 'gdpr.erase.reapplied'");
      expect(record.rows).toEqual([{ subject: bob.pseudonym, details: expect.objectContaining({ userId: bob.id, via: 'restore', personalRowsRemoved: 1 }) }]);
      // The gdpr.erase record made after the backup is not in it: the journal is what remembers.
      expect((await store.query("select 1 from audit_log where type = 'gdpr.erase'")).rows).toEqual([]);
      await writeBackup(store, after);
    });
    expect(readFileSync(after, 'utf8')).not.toContain(NAME); // not in any table
    expect(await runCli(['audit', 'verify'])).toMatchObject({ code: 0 });

    // A second restore of the same backup erases again; the journal is not undone by restores.
    expect((await runCli(['restore', '--in', backup, '--force'])).code).toBe(0);
    expect(readFileSync(join(dataDir, ERASURE_JOURNAL_FILE), 'utf8')).toBe(journal);
  });

  it('no journal where one is looked for (another folder, a lost file): restored, and said on stderr and in --json', async () => {
    const missing = join(folder, 'no-such-journal.jsonl');
    const result = await runCli(['restore', '--in', join(folder, 'before-erasure.jsonl'), '--force', '--erasure-journal', missing, '--json']);
    expect(result.code, result.err).toBe(0);
    expect(result.err).toBe(`orion: warning: no GDPR erasure journal at ${missing}: no erasure was applied again, so anyone erased after this backup was taken is back; if anyone was, restore again with --force --erasure-journal FILE (the copy kept with the backups, or the server's ORION_DATA_DIR/erasure-journal.jsonl)\n`);
    expect(JSON.parse(result.out)).toMatchObject({ erasuresReapplied: [], erasureJournal: { file: missing, found: false } });
    // With the journal there (the first test's), nothing is said.
    const found = await runCli(['restore', '--in', join(folder, 'before-erasure.jsonl'), '--force', '--json']);
    expect(found.err).toBe('');
    expect(JSON.parse(found.out)).toMatchObject({ erasureJournal: { file: join(dataDir, ERASURE_JOURNAL_FILE), found: true } });
  });

  it('a damaged journal is refused, naming the line', async () => {
    const file = join(folder, 'damaged-journal.jsonl');
    writeFileSync(file, '{"userId":"u1","pseudonyms":["p1"],"erasedAt":"2026-12-01T00:00:00Z"}\nnot json\n{"userId":"u2","pseudonyms":[],"erasedAt":"x"}\n');
    const result = await runCli(['restore', '--in', join(folder, 'before-erasure.jsonl'), '--force', '--erasure-journal', file]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`orion: erasure journal ${file}: line 2 is not an erasure entry: the file is damaged; restore it from a copy\n`);
  });
});
