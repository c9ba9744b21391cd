import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.ts';
import { runCli, useFreshDataDir } from './testing/run-cli.ts';

/**
 * The CLI's database path appends to the audit log and signs its head. Run with another key file
 * than the one the head is signed with (another ORION_DATA_DIR: another host or working
 * directory), it must not make a key of its own: `audit verify` would then report tampering.
 */
describe('orion on the database path with a key that does not sign the audit log (PGlite under ORION_DATA_DIR)', async () => {
  const dataDir = await useFreshDataDir();
  const folder = mkdtempSync(join(tmpdir(), 'orion-audit-key-'));
  afterAll(() => {
    delete process.env['ORION_AUDIT_KEY_FILE'];
    rmSync(folder, { recursive: true, force: true });
  });
  const auditRows = async (): Promise<number> => {
    const store = await openStore({ dataDir });
    try {
      return (await store.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0]!.n;
    } finally {
      await store.close();
    }
  };

  it('is refused naming the key the head is signed with; nothing is appended, no key is made, the log still verifies', async () => {
    expect((await runCli(['migrate'])).code).toBe(0);
    expect((await runCli(['kill-switch', 'engage', '--reason', 'drill'])).code).toBe(0);
    const rows = await auditRows();
    const elsewhere = join(folder, 'other-host-key.pem');
    process.env['ORION_AUDIT_KEY_FILE'] = elsewhere;
    const refused = await runCli(['kill-switch', 'engage', '--reason', 'drill again']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(new RegExp(`^orion: the audit log's head is signed with key [0-9a-f]{16}, and ${elsewhere} does not exist: run this with the server's ORION_DATA_DIR`));
    expect(existsSync(elsewhere)).toBe(false);
    expect(await auditRows()).toBe(rows);
    delete process.env['ORION_AUDIT_KEY_FILE'];
    // Before: the command made that key and signed the head with it, and this reported tampering.
    expect(await runCli(['audit', 'verify'])).toMatchObject({ code: 0 });
  });
});
