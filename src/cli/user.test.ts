import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_FAILURE } from '../cli.ts';
import { runCli, useFreshDataDir } from './testing/run-cli.ts';
import { openStore } from '../store/index.ts';

const run = runCli;

describe('orion user / audit verify / auth rotate-key (PGlite under ORION_DATA_DIR)', async () => {
  const dataDir = await useFreshDataDir();

  it('adds a user with a one-time password, lists it, disables it; bad input exits 2', async () => {
    const added = await run(['user', 'add', '--username', 'carol', '--role', 'risk']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^added carol \(risk\); one-time password: [A-Za-z0-9_-]{24}\n/);
    const list = JSON.parse((await run(['user', 'list', '--json'])).out) as { users: Array<{ username: string; role: string; mustChangePassword: boolean; disabled: boolean }> };
    expect(list.users).toEqual([expect.objectContaining({ username: 'carol', role: 'risk', mustChangePassword: true, disabled: false })]);
    expect((await run(['user', 'add', '--username', 'carol', '--role', 'risk'])).err).toBe('orion: --username carol is taken\n');
    const badRole = await run(['user', 'add', '--username', 'dave', '--role', 'god']);
    expect(badRole.code).toBe(EXIT_BAD_INPUT);
    expect(badRole.err).toMatch(/^orion: --role "god" is not a role; allowed: viewer, trader, risk, admin, auditor\n$/);
    expect((await run(['user', 'disable', '--username', 'carol'])).out).toContain('disabled carol');
    expect((await run(['user', 'list'])).out).toMatch(/carol +risk +no +disabled/);
  });

  it('audit verify: intact → exit 0 with the head; an edited row → exit 1 naming its seq', async () => {
    expect((await run(['auth', 'rotate-key'])).out).toMatch(/^signing key rotated: new key [0-9a-f-]{36}\n$/);
    const ok = await run(['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^audit log intact: 3 rows, head seq 3 hash [0-9a-f]{64} \(signed\)\n$/);
    const store = await openStore({ dataDir });
    try {
      await store.query(`update audit_log set type = 'user.role.changed' where seq = 2`);
    } finally {
      await store.close();
    }
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(EXIT_FAILURE);
    expect(broken.err).toBe('orion: audit log broken at seq 2: row 2 was changed (its hash does not match its content)\n');
  });

  it('says to go through the API or stop the server while a server holds the PGlite folder', async () => {
    const holder = await openStore({ dataDir });
    try {
      const locked = await run(['user', 'list']);
      expect(locked.code).toBe(EXIT_FAILURE);
      expect(locked.err).toMatch(/is held by a running Orion server \(pid \d+\): list users through the API \(GET \/api\/v1\/users as an admin\), or stop the server first/);
    } finally {
      await holder.close();
    }
  });
});
