import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT } from '../cli.ts';
import { recordValidation } from '../mode/mode-store.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/index.ts';
import { freshPgliteDataDir } from '../store/test-store.ts';
import { runCli as run } from './testing/run-cli.ts';

/**
 * `orion mode switch live` straight to the database (no server option): the typed confirmation
 * is required as through the API, and the switch records the OS user. What it wrote is read back
 * from the tables directly.
 */
describe('orion mode switch (PGlite under ORION_DATA_DIR, server stopped)', async () => {
  const dataDir = await freshPgliteDataDir();
  const saved = { dataDir: process.env['ORION_DATA_DIR'], allowLive: process.env['ORION_ALLOW_LIVE'] };
  process.env['ORION_DATA_DIR'] = dataDir;
  process.env['ORION_ALLOW_LIVE'] = 'on';
  delete process.env['DATABASE_URL'];

  const withStore = async <T>(work: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> => {
    const store = await openStore({ dataDir });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };
  const storedMode = () => withStore(async (store) => (await store.query<{ mode: string }>('select mode from mode_state')).rows[0]?.mode);

  beforeAll(async () => {
    // A passing validation just now: everything the switch needs but the confirmation.
    await withStore(async (store) => {
      await migrate(store);
      await recordValidation(store, { passed: true, checks: [{ name: 'chain-id', ok: true, detail: 'test: passed' }], hotKey: `0x${'11'.repeat(20)}`, chainId: 8453, at: new Date() }, 'test');
    });
  });
  afterAll(() => {
    for (const [name, value] of [['ORION_DATA_DIR', saved.dataDir], ['ORION_ALLOW_LIVE', saved.allowLive]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('to live without --confirm, or with the wrong phrase: exit 2 naming the phrase, the stored mode unchanged', async () => {
    const before = await storedMode();
    for (const extra of [[], ['--confirm', 'yes']]) {
      const result = await run(['mode', 'switch', 'live', ...extra]);
      expect(result.code, extra.join(' ')).toBe(EXIT_BAD_INPUT);
      expect(result.err).toContain('--confirm "SWITCH TO LIVE"');
      expect(await storedMode()).toBe(before);
    }
    expect(before).not.toBe('live');
  });

  it('with the typed confirmation: switched; the audit row and the stored mode name the OS user by pseudonym, the name only as erasable personal data', async () => {
    const result = await run(['mode', 'switch', 'live', '--confirm', 'SWITCH TO LIVE']);
    expect(result.code).toBe(0);
    const [state, audit] = await withStore(async (store) => [
      (await store.query<{ mode: string; switched_by: string }>('select mode, switched_by from mode_state')).rows[0]!,
      (await store.query<{ actor: string; details: Record<string, unknown>; os_user: string }>(
        "select l.actor, l.details, p.data ->> 'osUser' as os_user from audit_log l join audit_personal p on p.seq = l.seq and p.pseudonym = l.actor where l.type = 'mode.switch' order by l.seq desc limit 1",
      )).rows[0]!,
    ] as const);
    expect(state.mode).toBe('live');
    expect(state.switched_by).toMatch(/^cli:[0-9a-f]{16}$/);
    expect(audit).toEqual({ actor: state.switched_by, details: expect.objectContaining({ to: 'live', by: state.switched_by }), os_user: userInfo().username });
  });
});
