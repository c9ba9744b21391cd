import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigningKeys } from '../../auth/signing-keys.ts';
import { openTestStore, type TestStore } from '../../store/test-store.ts';
import { restoreBackup, takeBackup, verifyBackupFile, writeBackup } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'orion-backup-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A backup holds what signs in (password hashes, TOTP secrets): only its owner may read it. The
// JWT signing keys are left out: with them, anyone who read a backup could sign an admin token.
describe('what a backup exposes', () => {
  let source: TestStore;
  let target: TestStore;
  let privateD: string;
  beforeAll(async () => {
    source = await openTestStore('pglite');
    target = await openTestStore('pglite', { migrate: false });
    const key = await createSigningKeys(source.store, 900).active();
    privateD = (await source.store.query<{ d: string }>(`select private_jwk ->> 'd' as d from auth_signing_key where kid = $1`, [key.kid])).rows[0]!.d;
    await source.store.query(`insert into auth_user (id, username, role, password_hash, mfa_secret, pseudonym) values ('u1', 'alice', 'admin', 'scrypt$hash', 'TOTPSECRET', 'p-alice')`);
  });
  afterAll(async () => {
    await source?.cleanup();
    await target?.cleanup();
  });

  it('files are 0600 and the backup folder 0700, a new one and one that was open to others', async () => {
    const fresh = join(root, 'fresh', 'backups');
    const made = await takeBackup(source.store, fresh);
    expect(statSync(made.file).mode & 0o077).toBe(0);
    expect(statSync(fresh).mode & 0o077).toBe(0);
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    const into = await takeBackup(source.store, open);
    expect(statSync(into.file).mode & 0o077).toBe(0);
    expect(statSync(open).mode & 0o077).toBe(0);
    const out = join(root, 'out.jsonl'); // `orion backup --out FILE`
    await writeBackup(source.store, out);
    expect(statSync(out).mode & 0o077).toBe(0);
  });

  it('leaves the signing keys out and keeps what signing in needs; the restored platform makes a new key', async () => {
    const file = join(root, 'restore.jsonl');
    const result = await writeBackup(source.store, file);
    expect(readFileSync(file, 'utf8')).not.toContain(privateD);
    expect(result.manifest.rowsLeftOut).toEqual(['auth_signing_key']);
    expect((await verifyBackupFile(file)).tables.find((t) => t.name === 'auth_signing_key')?.rows).toBe(0);

    await restoreBackup(target.store, file);
    const user = await target.store.query(`select password_hash, mfa_secret from auth_user where id = 'u1'`);
    expect(user.rows[0]).toEqual({ password_hash: 'scrypt$hash', mfa_secret: 'TOTPSECRET' });
    expect((await target.store.query('select kid from auth_signing_key')).rows).toEqual([]);
    const key = await createSigningKeys(target.store, 900).active();
    expect(key.kid).toEqual(expect.any(String));
  });
});
