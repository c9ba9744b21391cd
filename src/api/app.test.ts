import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { buildApp } from './app.ts';
import { Readiness } from './readiness.ts';
import { freshTotpPreHandler } from './fresh-totp.ts';
import { generateTotpSecret } from '../auth/totp.ts';
import { codeAt, createTestApp, type TestApp } from './test-app.ts';

const SECURITY_HEADERS = ['strict-transport-security', 'content-security-policy', 'x-content-type-options'];

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  for (const name of SECURITY_HEADERS) expect(headers[name], name).toBeDefined();
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(String(headers['strict-transport-security'])).toMatch(/max-age=\d+/);
}

describe('API before the database is open', () => {
  it('answers probes, and 503 (not 500) on routes that need the database', async () => {
    const readiness = new Readiness();
    readiness.expect('database');
    const app = buildApp({ readiness });
    const healthz = await app.inject({ url: '/healthz' });
    expect(healthz.statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a', password: 'b' } });
    expect(login.statusCode).toBe(503);
    expect(login.json()).toMatchObject({ error: 'unavailable' });
    expectSecurityHeaders(login.headers);
    await app.close();
  });
});

forEachBackend('API', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store, {
      http: { authRateLimit: 40, metricsAllow: ['10.0.0.7'] },
      app: { details: () => ({ chain: { rpcUrl: 'http://127.0.0.1:8545' }, engine: { opportunities: 3 } }) },
      register: (app) => {
        app.get('/boom', { config: { permission: 'public' } }, async () => {
          throw new Error('database password is hunter2');
        });
        app.post('/money', { config: { permission: 'read' }, preHandler: freshTotpPreHandler('test withdrawal') }, async () => ({ moved: true }));
      },
    });
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('security headers on 200, 404 and 500; a 500 hides its detail', async () => {
    const ok = await t.app.inject({ url: '/healthz' });
    expectSecurityHeaders(ok.headers);
    const missing = await t.app.inject({ url: '/api/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
    expectSecurityHeaders(missing.headers);
    const boom = await t.app.inject({ url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect(boom.json()).toEqual({ error: 'internal', message: 'internal error', requestId: boom.headers['x-request-id'] });
    expectSecurityHeaders(boom.headers);
  });

  it('/health: the summary for anyone, the detail for a signed-in caller', async () => {
    const anonymous = await t.app.inject({ url: '/health' });
    expect(anonymous.json()).toEqual({ status: 'ready', mode: 'sim', checks: [{ name: 'database', state: 'ready' }] });
    expect(anonymous.body).not.toContain('127.0.0.1');
    const forged = await t.app.inject({ url: '/health', headers: { authorization: 'Bearer not-a-token' } });
    expect(forged.body).not.toContain('127.0.0.1');
    const signedIn = await t.app.inject({ url: '/health', headers: t.bearer('viewer') });
    expect(signedIn.json()).toMatchObject({ status: 'ready', chain: { rpcUrl: 'http://127.0.0.1:8545' }, engine: { opportunities: 3 }, checks: [{ name: 'database', state: 'ready', detail: 'test' }] });
  });

  it('OpenAPI at /docs/json: every operation but the public ones carries security; the UI is served offline', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const publicOps = new Set(['/healthz', '/readyz', '/health', '/boom', '/api/v1/auth/login', '/api/v1/auth/password', '/api/v1/auth/mfa', '/api/v1/auth/mfa/enrol', '/api/v1/auth/refresh']);
    let guarded = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (publicOps.has(path)) expect(op.security, `${method} ${path}`).toEqual([]);
        else {
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
          guarded++;
        }
      }
    }
    expect(guarded).toBeGreaterThan(10);
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
    const bundle = await t.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it('login → MFA challenge for an enrolled user → tokens; refresh rotates; reuse → 401, family revoked, audited', async () => {
    const admin = t.users.admin;
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: admin.username, password: admin.password } });
    expect(login.json()).toMatchObject({ status: 'challenge', next: 'mfa' });
    const { challenge } = login.json() as { challenge: string };
    const mfa = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa', payload: { challenge, code: codeAt(admin.totpSecret ?? '', 1) } });
    expect(mfa.statusCode).toBe(200);
    const tokens = mfa.json() as { accessToken: string; refreshToken: string };
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.json()).toMatchObject({ kind: 'user', role: 'admin', username: admin.username, mfaEnrolled: true });

    const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const reused = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
    expect(reused.statusCode).toBe(401);
    const newest = (refreshed.json() as { refreshToken: string }).refreshToken;
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: newest } })).statusCode).toBe(401);
    const audit = await t.app.inject({ url: '/api/v1/compliance/audit?type=auth.refresh.reused', headers: t.bearer('auditor') });
    expect((audit.json() as { rows: unknown[] }).rows.length).toBeGreaterThanOrEqual(1);
  });

  it('forged tokens → 401: alg none, HS256, garbage, wrong scheme', async () => {
    const [, payload] = t.users.viewer.accessToken.split('.') as [string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    for (const authorization of [`Bearer ${none}`, 'Bearer abc.def.ghi', 'Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${t.users.viewer.accessToken}x`]) {
      const response = await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization } });
      expect(response.statusCode, authorization.slice(0, 30)).toBe(401);
    }
  });

  it('API keys: admin creates (shown once), the key works with its role, each use audited, revoked → 401', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: 'prometheus', role: 'auditor', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(created.statusCode).toBe(201);
    const { apiKey, secret } = created.json() as { apiKey: { id: string }; secret: string };
    const listed = await t.app.inject({ url: '/api/v1/api-keys', headers: t.bearer('admin') });
    expect(listed.body).not.toContain(secret);
    const used = await t.app.inject({ url: '/api/v1/compliance/audit?type=api_key.used', headers: { 'x-api-key': secret } });
    expect(used.statusCode).toBe(200);
    expect((used.json() as { rows: Array<{ details: { keyId: string } }> }).rows[0]?.details.keyId).toBe(apiKey.id);
    expect((await t.app.inject({ url: '/api/v1/users', headers: { authorization: `ApiKey ${secret}` } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}`, headers: t.bearer('admin') })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { 'x-api-key': secret } })).statusCode).toBe(401);
  });

  it('users: admin adds one with a one-time password, which must be changed at first login', async () => {
    const added = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.bearer('admin'), payload: { username: 'newcomer', role: 'trader' } });
    expect(added.statusCode).toBe(201);
    const { oneTimePassword, user } = added.json() as { oneTimePassword: string; user: { id: string } };
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.bearer('admin'), payload: { username: 'newcomer', role: 'viewer' } })).statusCode).toBe(409);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'newcomer', password: oneTimePassword } });
    expect(login.json()).toMatchObject({ status: 'challenge', next: 'password_change' });
    const changed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { challenge: (login.json() as { challenge: string }).challenge, newPassword: 'short' } });
    expect(changed.statusCode).toBe(400);
    const disabled = await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/disable`, headers: t.bearer('admin') });
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'newcomer', password: oneTimePassword } })).statusCode).toBe(401);
  });

  it('GDPR: export is complete; erase removes personal data and the chain still verifies', async () => {
    const target = t.users.trader;
    const exported = await t.app.inject({ url: `/api/v1/gdpr/subject-rights/${target.id}`, headers: t.bearer('admin') });
    expect(exported.statusCode).toBe(200);
    const body = exported.json() as { user: { username: string; pseudonym: string }; auditRows: Array<{ type: string; personal: Record<string, { username?: string }> }>; loginAttempts: unknown[] };
    expect(body.user.username).toBe(target.username);
    expect(body.loginAttempts.length).toBeGreaterThanOrEqual(1);
    const types = body.auditRows.map((row) => row.type);
    expect(types).toContain('auth.login.ok');
    expect(JSON.stringify(body.auditRows)).toContain(target.username);

    const erased = await t.app.inject({ method: 'POST', url: `/api/v1/gdpr/subject-rights/${target.id}/erase`, headers: t.bearer('admin') });
    expect(erased.statusCode).toBe(200);
    const after = await t.app.inject({ url: `/api/v1/gdpr/subject-rights/${target.id}`, headers: t.bearer('admin') });
    expect(after.body).not.toContain(target.username);
    expect((after.json() as { auditRows: unknown[] }).auditRows.length).toBeGreaterThanOrEqual(body.auditRows.length);
    const verify = await t.app.inject({ url: '/api/v1/compliance/audit/verify', headers: t.bearer('auditor') });
    expect(verify.json()).toMatchObject({ ok: true });
    const raw = await ctx.store.query('select count(*)::int as n from audit_personal p join auth_user u on u.pseudonym = p.pseudonym where u.id = $1', [target.id]);
    expect(raw.rows[0]).toEqual({ n: 0 });
    // Journaled outside the database, for a restore of an older backup to erase again (ids only).
    expect(await t.services.erasures.read()).toEqual([{ userId: target.id, pseudonyms: [body.user.pseudonym], erasedAt: expect.any(String) }]);
    expect(readFileSync(t.services.erasures.file, 'utf8')).not.toContain(target.username);
  });

  it("GDPR self-export: a new user's export carries only their own personal data, not the admin's who added them", async () => {
    const added = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.bearer('admin'), remoteAddress: '203.0.113.5', payload: { username: 'self-exporter', role: 'viewer' } });
    expect(added.statusCode).toBe(201);
    const { oneTimePassword, user } = added.json() as { oneTimePassword: string; user: { id: string } };
    // The admin's address is stored for that row (the independent check that the export leaves it out).
    const stored = await ctx.store.query<{ pseudonym: string }>("select p.pseudonym from audit_personal p join audit_log l on l.seq = p.seq where l.type = 'user.added' and p.data->>'ip' = '203.0.113.5'");
    expect(stored.rows.length).toBe(1);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'self-exporter', password: oneTimePassword } });
    const changed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { challenge: (login.json() as { challenge: string }).challenge, newPassword: 'a long enough new password' } });
    expect(changed.json()).toMatchObject({ status: 'ok' });
    const { accessToken } = changed.json() as { accessToken: string };
    const own = await ctx.store.query<{ pseudonym: string }>('select pseudonym from auth_user where id = $1', [user.id]);
    const pseudonym = own.rows[0]?.pseudonym;
    expect(pseudonym).toBeDefined();
    expect(stored.rows[0]?.pseudonym).not.toBe(pseudonym);

    const exported = await t.app.inject({ url: '/api/v1/gdpr/subject-rights/me', headers: { authorization: `Bearer ${accessToken}` } });
    expect(exported.statusCode).toBe(200);
    const body = exported.json() as { auditRows: Array<{ type: string; personal: Record<string, unknown> }> };
    expect(body.auditRows.map((row) => row.type)).toContain('user.added');
    for (const row of body.auditRows) expect(Object.keys(row.personal).filter((who) => who !== pseudonym), row.type).toEqual([]);
    expect(exported.body).not.toContain('203.0.113.5');
  });

  it('an admin action whose audit record cannot be written is not made: role change, disable, API key create and revoke, signing-key rotation', async () => {
    const added = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.bearer('admin'), payload: { username: 'audit-target', role: 'trader' } });
    const target = (added.json() as { user: { id: string } }).user;
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: 'to-revoke', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
    const keyId = (created.json() as { apiKey: { id: string } }).apiKey.id;
    const read = async () => ({
      user: (await ctx.store.query('select role, disabled_at from auth_user where id = $1', [target.id])).rows[0],
      keys: (await ctx.store.query('select id, revoked_at from auth_api_key order by id')).rows,
      signing: (await ctx.store.query('select kid, retired_at from auth_signing_key order by kid')).rows,
      refresh: (await ctx.store.query('select token_hash, revoked_at from auth_refresh_token where user_id = $1 order by token_hash', [target.id])).rows,
    });
    const before = await read();
    const append = t.audit.append;
    t.audit.append = async () => {
      throw new Error('audit log unavailable');
    };
    try {
      const attempts = [
        await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${target.id}`, headers: t.bearer('admin'), payload: { role: 'admin' } }),
        await t.app.inject({ method: 'POST', url: `/api/v1/users/${target.id}/disable`, headers: t.bearer('admin') }),
        await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: 'unaudited', role: 'admin', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } }),
        await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}`, headers: t.bearer('admin') }),
        await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate', headers: t.bearer('admin') }),
      ];
      expect(attempts.map((response) => response.statusCode)).toEqual([500, 500, 500, 500, 500]);
    } finally {
      t.audit.append = append;
    }
    expect(await read()).toEqual(before);
    expect(before.user).toMatchObject({ role: 'trader', disabled_at: null });
  });

  it('compliance/audit filters and pages with a cursor', async () => {
    const first = await t.app.inject({ url: '/api/v1/compliance/audit?limit=2', headers: t.bearer('auditor') });
    const page = first.json() as { rows: Array<{ seq: string }>; nextCursor: string };
    expect(page.rows).toHaveLength(2);
    expect(BigInt(page.rows[0]?.seq ?? 0) > BigInt(page.rows[1]?.seq ?? 0)).toBe(true);
    const second = await t.app.inject({ url: `/api/v1/compliance/audit?limit=2&cursor=${page.nextCursor}`, headers: t.bearer('auditor') });
    expect(BigInt((second.json() as { rows: Array<{ seq: string }> }).rows[0]?.seq ?? 0)).toBe(BigInt(page.nextCursor) - 1n);
    expect((await t.app.inject({ url: '/api/v1/compliance/audit?limit=0', headers: t.bearer('auditor') })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/v1/compliance/audit', headers: t.bearer('viewer') })).statusCode).toBe(403);
  });

  it('requireFreshTotp: an action that moves money needs a fresh, unused TOTP code of a user; refusals are audited', async () => {
    // A fresh admin: enrolled with this step's code; the action then uses the next step's (accepted
    // within ±1 step, and after the enrolment's). Enrolling with the previous step's code raced the
    // clock: when the step turned before the code was checked, it was two steps old and refused.
    await t.auth.users.add({ username: 'payer', role: 'admin', password: 'payer password 1', mustChangePassword: false });
    const login = await t.auth.login({ username: 'payer', password: 'payer password 1' }, { ip: '127.0.0.1' });
    if (login.status !== 'challenge') throw new Error('admin without MFA must enrol');
    const secret = (await t.auth.startEnrolment({ challenge: login.challenge })).secret;
    const token = (await t.auth.completeMfa({ challenge: login.challenge, code: codeAt(secret, 0) }, { ip: '127.0.0.1' })).accessToken;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'POST', url: '/money', headers: bearer })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/money', headers: { ...t.bearer('viewer'), 'x-totp-code': '123456' } })).json()).toMatchObject({ message: 'test withdrawal needs a fresh TOTP code: MFA is not enrolled' });
    const code = codeAt(secret, 1);
    const ok = await t.app.inject({ method: 'POST', url: '/money', headers: { ...bearer, 'x-totp-code': code } });
    expect(ok.json()).toEqual({ moved: true });
    const replay = await t.app.inject({ method: 'POST', url: '/money', headers: { ...bearer, 'x-totp-code': code } });
    expect(replay.statusCode).toBe(403);
    const refusals = await t.audit.list({ type: 'auth.totp.fresh.failed', limit: 10 });
    expect(refusals.rows.map((row) => row.details['reason'])).toEqual(['wrong or replayed code', 'MFA is not enrolled', 'no code given']);
  });

  it('replacing an enrolled MFA secret needs a fresh code from the current one: an access token alone cannot; the replacement is audited as such', async () => {
    // An admin enrolled with no step spent yet, so this step's and the next step's codes are fresh
    // for both the checks below (the setup does not need a login: it is the state under test).
    const owner = await t.auth.users.add({ username: 'mfa-owner', role: 'admin', password: 'mfa owner password', mustChangePassword: false });
    const enrolled = generateTotpSecret();
    await ctx.store.query('update auth_user set mfa_secret = $2 where id = $1', [owner.id, enrolled]);
    const family = await t.auth.refreshTokens.start(owner.id);
    const stolen = { authorization: `Bearer ${(await t.auth.access.issue({ userId: owner.id, role: 'admin', sessionId: family.familyId, pseudonym: owner.pseudonym })).token}` };
    const storedSecret = async () => (await ctx.store.query<{ mfa_secret: string }>('select mfa_secret from auth_user where id = $1', [owner.id])).rows[0]?.mfa_secret;

    // The thief's own secret, confirmed with its own code: refused, and the stored secret is the owner's.
    // (The setup itself needs the password: this thief has it too, so the current code is what stops them.)
    const setup = { method: 'POST' as const, url: '/api/v1/auth/mfa/setup', headers: stolen, payload: { password: 'mfa owner password' } };
    const theirs = (await t.app.inject(setup)).json() as { secret: string };
    const hijack = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup/confirm', headers: stolen, payload: { code: codeAt(theirs.secret, 1) } });
    expect(hijack.statusCode).toBe(403);
    expect(hijack.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('currentCode') });
    expect(await storedSecret()).toBe(enrolled);
    await t.auth.requireFreshTotp(owner.id, codeAt(enrolled, 0), 'test withdrawal', { ip: '127.0.0.1' });

    // The owner, with a code of the enrolled secret: replaced, audited as a replacement.
    const next = (await t.app.inject(setup)).json() as { secret: string };
    const replaced = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup/confirm', headers: stolen, payload: { code: codeAt(next.secret, 1), currentCode: codeAt(enrolled, 1) } });
    expect(replaced.statusCode).toBe(200);
    expect(await storedSecret()).toBe(next.secret);
    const audited = async (type: string) => (await t.audit.list({ type, limit: 50 })).rows.filter((row) => row.actor === owner.pseudonym);
    expect(await audited('auth.mfa.replaced')).toHaveLength(1);
    expect(await audited('auth.mfa.enrolled')).toHaveLength(0);
  });

  it('an access token alone cannot start or restart an MFA setup (the password is asked again), nor confirm one another session started; each refusal is audited', async () => {
    const user = await t.auth.users.add({ username: 'mfa-racer', role: 'trader', password: 'mfa racer password', mustChangePassword: false });
    const sessionOf = async () => {
      const family = await t.auth.refreshTokens.start(user.id);
      return { authorization: `Bearer ${(await t.auth.access.issue({ userId: user.id, role: 'trader', sessionId: family.familyId, pseudonym: user.pseudonym })).token}` };
    };
    const [mine, other] = [await sessionOf(), await sessionOf()];
    const setup = (headers: { authorization: string }, payload?: object) => t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup', headers, ...(payload === undefined ? {} : { payload }) });
    const confirm = (headers: { authorization: string }, code: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup/confirm', headers, payload: { code } });
    const pendingSecret = async () => (await ctx.store.query<{ s: string | null }>('select mfa_pending_secret as s from auth_user where id = $1', [user.id])).rows[0]?.s;

    // The user starts the setup, password again; the holder of a token (this very session's, or
    // another's) can neither replace the secret being scanned nor start one of their own.
    const started = await setup(mine, { password: 'mfa racer password' });
    expect(started.statusCode).toBe(200);
    const secret = (started.json() as { secret: string }).secret;
    expect((await setup(mine)).statusCode).toBe(400);
    const guessed = await setup(other, { password: 'a wrong guess here' });
    expect(guessed.statusCode).toBe(403);
    expect(guessed.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('password') });
    expect(await pendingSecret()).toBe(secret);

    // Another session cannot confirm it, even with a right code; the session that started it can.
    const elsewhere = await confirm(other, codeAt(secret, 0));
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ message: expect.stringContaining('another session') });
    expect((await confirm(mine, codeAt(secret, 0))).statusCode).toBe(200);
    expect((await ctx.store.query<{ s: string }>('select mfa_secret as s from auth_user where id = $1', [user.id])).rows[0]?.s).toBe(secret);

    const audited = async (type: string) => (await t.audit.list({ type, limit: 50 })).rows.filter((row) => row.actor === user.pseudonym).map((row) => row.details);
    expect(await audited('auth.mfa.setup.started')).toEqual([expect.objectContaining({ restarted: false, replacing: false })]);
    expect(await audited('auth.mfa.setup.refused')).toEqual([expect.objectContaining({ reason: 'wrong password' })]);
    expect(await audited('auth.mfa.failed')).toEqual([expect.objectContaining({ reason: 'setup started by another session' })]);
    expect(await audited('auth.mfa.enrolled')).toHaveLength(1);
    // The wrong password counted toward the lockout like a login's.
    expect((await ctx.store.query<{ n: number }>('select count(*)::int as n from auth_login_attempt where user_id = $1 and not ok', [user.id])).rows[0]?.n).toBe(1);
  });

  it('a pending MFA setup expires by the database\'s clock: confirming it late is 409, and a login\'s enrolment step cannot confirm a secret a signed-in setup left pending', async () => {
    const user = await t.auth.users.add({ username: 'mfa-late', role: 'trader', password: 'mfa late password', mustChangePassword: false });
    const family = await t.auth.refreshTokens.start(user.id);
    const headers = { authorization: `Bearer ${(await t.auth.access.issue({ userId: user.id, role: 'trader', sessionId: family.familyId, pseudonym: user.pseudonym })).token}` };
    const secret = ((await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup', headers, payload: { password: 'mfa late password' } })).json() as { secret: string }).secret;
    // Eleven minutes pass for the database (its clock decides).
    await ctx.store.query("update auth_user set mfa_pending_expires_at = now() - interval '1 minute' where id = $1", [user.id]);
    const late = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup/confirm', headers, payload: { code: codeAt(secret, 0) } });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ message: expect.stringContaining('expired') });

    // Promoted to admin with a fresh setup pending from that session: the login owes an enrolment
    // of its own, and the session's secret does not answer it.
    const fresh = ((await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/setup', headers, payload: { password: 'mfa late password' } })).json() as { secret: string }).secret;
    await t.auth.users.setRole(user.id, 'admin');
    const login = await t.auth.login({ username: 'mfa-late', password: 'mfa late password' }, { ip: '127.0.0.1' });
    if (login.status !== 'challenge') throw new Error('an admin without MFA owes an enrolment');
    const answered = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa', payload: { challenge: login.challenge, code: codeAt(fresh, 0) } });
    expect(answered.statusCode).toBe(400);
    expect(answered.json()).toMatchObject({ message: expect.stringContaining('no MFA enrolment started by this login') });
    expect((await ctx.store.query<{ s: string | null }>('select mfa_secret as s from auth_user where id = $1', [user.id])).rows[0]?.s).toBeNull();
    // Refused before any code was looked at: no failure counted toward the lockout.
    expect((await ctx.store.query<{ n: number }>('select count(*)::int as n from auth_login_attempt where user_id = $1 and not ok', [user.id])).rows[0]?.n).toBe(0);
  });

  it('a user promoted to admin without MFA gets no admin session from refresh: 401, and no token they hold creates an API key; login asks for enrolment', async () => {
    await t.auth.users.add({ username: 'promoted', role: 'risk', password: 'promoted password 1', mustChangePassword: false });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'promoted', password: 'promoted password 1' } });
    const held = login.json() as { status: string; accessToken: string; refreshToken: string };
    expect(held.status).toBe('ok');
    const id = ((await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${held.accessToken}` } })).json() as { id: string }).id;
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: t.bearer('admin'), payload: { role: 'admin' } })).statusCode).toBe(200);

    const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: held.refreshToken } });
    const tokens = [held.accessToken, ...(refreshed.statusCode === 200 ? [(refreshed.json() as { accessToken: string }).accessToken] : [])];
    for (const token of tokens) {
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${token}` }, payload: { name: 'escalated', role: 'admin', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
      expect(created.statusCode).toBe(403);
    }
    expect(refreshed.statusCode).toBe(401);
    expect(refreshed.json()).toMatchObject({ error: 'unauthenticated', message: expect.stringContaining('MFA') });
    // The refusal is in the audit log, with whom it turned away.
    const refusals = (await t.audit.list({ type: 'auth.refresh.refused', limit: 5 })).rows;
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.details).toMatchObject({ reason: 'the role admin needs MFA: log in again to enrol it', action: 'family revoked' });
    expect(refusals[0]!.actor).toBe((await t.auth.users.byUsername('promoted'))!.pseudonym);
    // The login's refresh family is gone, and signing in again owes the enrolment.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: held.refreshToken } })).statusCode).toBe(401);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'promoted', password: 'promoted password 1' } });
    expect(again.json()).toMatchObject({ status: 'challenge', next: 'mfa_enrolment' });
  });

  it('/metrics: 401 without credentials, 200 with an API key or from an allow-listed address; HTTP duration by route template', async () => {
    await t.app.inject({ url: '/api/v1/users/no-such-id', method: 'PATCH', headers: t.bearer('admin'), payload: { role: 'viewer' } });
    expect((await t.app.inject({ url: '/metrics', remoteAddress: '10.0.0.9' })).statusCode).toBe(401);
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: 'scraper', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
    const scraped = await t.app.inject({ url: '/metrics', remoteAddress: '10.0.0.9', headers: { 'x-api-key': (created.json() as { secret: string }).secret } });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(/orion_http_request_duration_seconds_count\{route="\/api\/v1\/users\/:id",method="PATCH",status="404"\} \d+/);
    expect(scraped.body).toContain('process_cpu_user_seconds_total');
    expect((await t.app.inject({ url: '/metrics', remoteAddress: '10.0.0.7' })).statusCode).toBe(200);
  });

  it('lockout after 10 failures (423 + Retry-After), then the per-IP limit answers 429 + Retry-After', async () => {
    await t.auth.users.add({ username: 'victim', role: 'viewer', password: 'victim password 1', mustChangePassword: false });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'victim', password: `wrong-${i}` } })).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    const locked = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'victim', password: 'victim password 1' } });
    expect(locked.statusCode).toBe(423);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    let limited;
    for (let i = 0; i < 60; i++) {
      limited = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: 'ort_0000000000000' } });
      if (limited.statusCode === 429) break;
    }
    expect(limited?.statusCode).toBe(429);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expectSecurityHeaders(limited?.headers ?? {});
  });
});
