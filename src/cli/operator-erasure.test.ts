import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.ts';
import { loadOrCreateCheckpointKey } from '../audit/checkpoint-key.ts';
import { eraseUser, erasureJournal } from '../auth/erasure.ts';
import { createUsers } from '../auth/users.ts';
import { writeBackup } from '../ops/backup/index.ts';
import { openStore } from '../store/index.ts';
import { runCli, useFreshDataDir } from './testing/run-cli.ts';

/**
 * CLI commands record who ran them. The OS username is personal data: it must be erasable with
 * the person (the Orion user of the same name), and the audit chain must still verify. Checked
 * in a full backup of the database afterwards (every table as text), not through the code
 * under test.
 */
describe('the OS username of CLI actions is erased with the user (PGlite under ORION_DATA_DIR)', async () => {
  const dataDir = await useFreshDataDir();
  const folder = mkdtempSync(join(tmpdir(), 'orion-operator-erasure-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const osUser = userInfo().username;
  const named = new RegExp(`(^|[^A-Za-z0-9._@-])${osUser.replace(/[.]/g, '\\.')}($|[^A-Za-z0-9._@-])`);

  it('kill switch engaged and released at the CLI, the user erased: the name is nowhere, the chain verifies', async () => {
    expect((await runCli(['migrate'])).code).toBe(0);
    const engaged = await runCli(['kill-switch', 'engage', '--reason', 'drill']);
    expect(engaged.code).toBe(0);
    expect(engaged.out).toMatch(/^kill switch ENGAGED by cli:[0-9a-f]{16} at /);
    expect((await runCli(['kill-switch', 'release', '--reason', 'drill over'])).code).toBe(0);

    const before = join(folder, 'before.jsonl');
    const after = join(folder, 'after.jsonl');
    const store = await openStore({ dataDir });
    try {
      const audit = createAuditLog(store, loadOrCreateCheckpointKey(join(dataDir, 'audit-checkpoint-key.pem')));
      // Both CLI records carry one pseudonym; the name is their personal data, outside the hash.
      const rows = await store.query<{ actor: string; os_user: string }>(
        `select l.actor, p.data ->> 'osUser' as os_user from audit_log l join audit_personal p on p.seq = l.seq where l.type like 'kill-switch.%' order by l.seq`,
      );
      expect(rows.rows.map((r) => r.os_user)).toEqual([osUser, osUser]);
      expect(new Set(rows.rows.map((r) => r.actor)).size).toBe(1);
      await writeBackup(store, before);
      expect(readFileSync(before, 'utf8')).toMatch(named); // what the erase must remove is there

      const person = await createUsers(store).add({ username: osUser, role: 'risk', password: 'a long test password 123', mustChangePassword: false });
      await store.transaction((tx) =>
        eraseUser(tx, { store, audit, erasures: erasureJournal(dataDir) }, person, (count) => ({ type: 'gdpr.erase', subject: person.pseudonym, details: { personalRowsRemoved: count } })));
      await writeBackup(store, after);
    } finally {
      await store.close();
    }
    expect(readFileSync(after, 'utf8')).not.toMatch(named);
    expect(readFileSync(after, 'utf8')).not.toContain('osUser');
    expect(await runCli(['audit', 'verify'])).toMatchObject({ code: 0 });
  });
});
