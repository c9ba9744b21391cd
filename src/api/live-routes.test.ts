import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerController } from '../controls/owner-controller.ts';
import { loadConfig } from '../config.ts';
import { createModeService, type ModeService } from '../mode/mode-service.ts';
import { readStoredMode } from '../mode/mode-store.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { createTestApp, enrolledAdmin, type TestApp } from './test-app.ts';

// The mode and contract-control routes through the real app over a real store. The chain is not
// needed here: validation answers where it can run, and with no owner key no control reaches a chain.
let db: TestStore;
let t: TestApp;
let mode: ModeService;

beforeAll(async () => {
  db = await openTestStore('pglite');
  await db.store.query('insert into mode_sessions (mode, chain_id) values ($1, $2)', ['sim', 31337]);
  // No owner key configured; the controller must refuse before touching the (absent) chain.
  const controller = ownerController(loadConfig({}, { cwd: '/' }), 'http://127.0.0.1:9/', `0x${'1'.repeat(40)}`, undefined as never);
  t = await createTestApp(db.store, { app: { live: { mode: () => mode, contract: () => controller } } });
  mode = createModeService({ store: db.store, audit: t.audit, allowLive: false, target: () => 'the chain is not reachable from this test' });
}, 120_000);
afterAll(async () => {
  await t?.app.close();
  await db?.cleanup();
});

const freshAdmin = () => enrolledAdmin(t);

describe('/api/v1/mode', () => {
  it('GET: any signed-in role reads the mode, its session and counters', async () => {
    const response = await t.app.inject({ url: '/api/v1/mode', headers: t.bearer('viewer') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ mode: 'sim', allowLive: false, session: { mode: 'sim', chainId: 31337, counters: { detected: 0 } }, lastValidation: null });
    expect((await t.app.inject({ url: '/api/v1/mode' })).statusCode).toBe(401);
  });

  it('validate: admin only; where it cannot run, a 409 saying where it can', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/mode/validate', headers: t.bearer('risk') })).statusCode).toBe(403);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/mode/validate', headers: t.bearer('admin') });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ message: 'the chain is not reachable from this test' });
  });

  it('switch to live: the typed confirmation (400), then a fresh TOTP (403), then ORION_ALLOW_LIVE (409); nothing changes', async () => {
    const admin = await freshAdmin();
    const noConfirmation = await t.app.inject({ method: 'POST', url: '/api/v1/mode/switch', headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: { mode: 'live', confirmation: 'switch to live' } });
    expect(noConfirmation.statusCode).toBe(400);
    expect(noConfirmation.json()).toMatchObject({ message: 'switching to live needs the typed confirmation "SWITCH TO LIVE" in the confirmation field' });
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/mode/switch', headers: admin.bearer, payload: { mode: 'live', confirmation: 'SWITCH TO LIVE' } })).statusCode).toBe(403);
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/mode/switch', headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: { mode: 'live', confirmation: 'SWITCH TO LIVE' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ message: expect.stringContaining('ORION_ALLOW_LIVE is off') });
    expect(await readStoredMode(db.store)).toBeUndefined();
  });

  it('switch to sim with a fresh TOTP: a new session at zero, audited with the admin as actor', async () => {
    const before = (await t.app.inject({ url: '/api/v1/mode', headers: t.bearer('viewer') })).json() as { session: { id: string } };
    const admin = await freshAdmin();
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/mode/switch', headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: { mode: 'sim' } });
    expect(response.statusCode).toBe(200);
    const after = response.json() as { mode: string; session: { id: string; counters: { planned: number } } };
    expect(after.mode).toBe('sim');
    expect(after.session.id).not.toBe(before.session.id);
    const { rows } = await t.audit.list({ type: 'mode.switch', limit: 1 });
    expect(rows[0]?.details).toMatchObject({ from: 'sim', to: 'sim' });
    expect(rows[0]?.actor).toMatch(/.+/);
  });
});

describe('an admin demoted while signed in', () => {
  it('cannot switch the mode with the access token from before (its role claim is stale): 403, audited, nothing changes', async () => {
    const admin = await freshAdmin();
    const before = (await t.app.inject({ url: '/api/v1/mode', headers: t.bearer('viewer') })).json() as { session: { id: string } };
    await db.store.query("update auth_user set role = 'viewer' where username = $1", [admin.username]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/mode/switch', headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: { mode: 'sim' } });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ message: expect.stringContaining('role viewer may not mode switch to sim') });
    const after = (await t.app.inject({ url: '/api/v1/mode', headers: t.bearer('viewer') })).json() as { session: { id: string } };
    expect(after.session.id).toBe(before.session.id);
    const { rows } = await t.audit.list({ type: 'auth.totp.fresh.failed', limit: 1 });
    expect(rows[0]?.details).toMatchObject({ action: 'mode switch to sim', reason: 'role viewer lacks mode.switch' });
  });
});

describe('/api/v1/controls/contract', () => {
  it('admin with a fresh TOTP but no owner key on this instance: 409 naming the variables, nothing sent', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/controls/contract/pause', headers: t.bearer('risk'), payload: {} })).statusCode).toBe(403);
    const admin = await freshAdmin();
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/controls/contract/pause', headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: {} });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ message: expect.stringMatching(/^no owner key: contract controls sign with ORION_OWNER_KEYSTORE/) });
  });

  it('withdraw: a token that is not an address is a 400 before anything else', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/controls/contract/withdraw', headers: t.bearer('admin'), payload: { token: 'WETH' } });
    expect(response.statusCode).toBe(400);
  });
});
