import { createHmac } from 'node:crypto';
import { exportJWK, SignJWT, generateKeyPair } from 'jose';
import { beforeAll, expect, it, vi } from 'vitest';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import { generateCheckpointKey } from '../audit/checkpoint-key.ts';
import { openStore } from '../store/index.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createAuthService, type AuthService, type LoginResult } from './auth-service.ts';
import { AccountLocked, Forbidden, Unauthenticated } from './errors.ts';
import { LOCKOUT_FAILURES, LOCKOUT_WINDOW_SECONDS } from './lockout.ts';
import { createSigningKeys } from './signing-keys.ts';
import { base32Decode, generateTotpSecret, totpAt } from './totp.ts';

const client = { ip: '127.0.0.1' };
const OPTIONS = { issuer: 'orion-test', audience: 'orion-api-test', ttlSeconds: 900, refreshTtlSeconds: 3600 };

function b64(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

forEachBackend('auth service', (ctx) => {
  let auth: AuthService;
  let audit: AuditLog;
  let clock = 1_800_000_000;
  beforeAll(() => {
    audit = createAuditLog(ctx.store, generateCheckpointKey().key);
    auth = createAuthService(ctx.store, audit, { ...OPTIONS, now: () => clock });
  });

  const tokensOf = (result: LoginResult) => {
    if (result.status !== 'ok') throw new Error(`expected tokens, got challenge ${result.next}`);
    return result.tokens;
  };

  it('a viewer signs in with a password and gets a verifiable EdDSA token of at most 15 minutes', async () => {
    await auth.users.add({ username: 'vera', role: 'viewer', password: 'correct horse battery', mustChangePassword: false });
    const tokens = tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client));
    const header = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0] ?? '', 'base64url').toString()) as { alg: string; kid: string };
    expect(header.alg).toBe('EdDSA');
    expect(header.kid).toMatch(/^[0-9a-f-]{36}$/);
    const claims = await auth.access.verify(tokens.accessToken);
    expect(claims.role).toBe('viewer');
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
    await expect(auth.login({ username: 'vera', password: 'wrong password!' }, client)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(auth.login({ username: 'nobody', password: 'wrong password!' }, client)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it('refuses forged and malformed access tokens: alg none, HS256 with the public key, no exp, wrong aud, unknown kid', async () => {
    const good = tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client)).accessToken;
    const [h, p] = good.split('.') as [string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const key = await auth.keys.verifying(header.kid);
    if (key === undefined) throw new Error('no key');
    const publicJwk = JSON.stringify(await exportJWK(key.publicKey));
    const none = `${b64({ alg: 'none', kid: header.kid })}.${p}.`;
    const hsInput = `${b64({ alg: 'HS256', kid: header.kid, typ: 'JWT' })}.${p}`;
    const hs256 = `${hsInput}.${createHmac('sha256', publicJwk).update(hsInput).digest('base64url')}`;
    const sign = (claims: Record<string, unknown>, kid = header.kid, signer = key.privateKey) => new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(signer);
    const { exp: _exp, ...noExp } = payload;
    const otherKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = [
      none,
      hs256,
      await sign(noExp),
      await sign({ ...payload, aud: 'someone-else' }),
      await sign({ ...payload, iss: 'someone-else' }),
      await sign({ ...payload, exp: Math.floor(Date.now() / 1000) - 10 }),
      await sign(payload, 'no-such-kid'),
      await sign(payload, header.kid, otherKey.privateKey),
      'not.a.jwt',
    ];
    for (const token of forged) await expect(auth.access.verify(token), token.slice(0, 40)).rejects.toBeInstanceOf(Unauthenticated);
    expect((await auth.access.verify(await sign(payload))).sub).toBe(payload['sub']);
  });

  it('rotating the signing key keeps old tokens valid and signs new ones with the new key', async () => {
    const before = tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client)).accessToken;
    const { retired, active } = await auth.keys.rotate();
    expect(retired).not.toBeNull();
    await expect(auth.access.verify(before)).resolves.toMatchObject({ role: 'viewer' });
    const after = tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client)).accessToken;
    expect(JSON.parse(Buffer.from(after.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ kid: active });
    // A retired key stops verifying one access-token lifetime after its retirement.
    expect(await auth.keys.verifying(retired ?? '', new Date(Date.now() + 901_000))).toBeUndefined();
    expect(await auth.keys.verifying(active, new Date(Date.now() + 901_000))).toBeDefined();
  });

  it('an admin enrols MFA at first login; each code works once', async () => {
    await auth.users.add({ username: 'ada', role: 'admin', password: 'admin password 1', mustChangePassword: false });
    const first = await auth.login({ username: 'ada', password: 'admin password 1' }, client);
    expect(first).toMatchObject({ status: 'challenge', next: 'mfa_enrolment' });
    if (first.status !== 'challenge') throw new Error('unreachable');
    const enrolment = await auth.startEnrolment({ challenge: first.challenge });
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrPng).toMatch(/^data:image\/png;base64,/);
    const code = totpAt(base32Decode(enrolment.secret), clock);
    await expect(auth.completeMfa({ challenge: first.challenge, code: code === '000000' ? '111111' : '000000' }, client)).rejects.toBeInstanceOf(Unauthenticated);
    const tokens = await auth.completeMfa({ challenge: first.challenge, code }, client);
    expect((await auth.access.verify(tokens.accessToken)).role).toBe('admin');

    const second = await auth.login({ username: 'ada', password: 'admin password 1' }, client);
    expect(second).toMatchObject({ status: 'challenge', next: 'mfa' });
    if (second.status !== 'challenge') throw new Error('unreachable');
    // The code used to enrol is spent: the same code at the same time is refused.
    await expect(auth.completeMfa({ challenge: second.challenge, code }, client)).rejects.toBeInstanceOf(Unauthenticated);
    clock += 30;
    const next = totpAt(base32Decode(enrolment.secret), clock);
    await auth.completeMfa({ challenge: second.challenge, code: next }, client);
    await expect(auth.completeMfa({ challenge: second.challenge, code: next }, client)).rejects.toBeInstanceOf(Unauthenticated);

    const claims = await auth.access.verify(tokens.accessToken);
    await expect(auth.requireFreshTotp(claims.sub, next, 'mode switch', client)).rejects.toBeInstanceOf(Forbidden);
    await expect(auth.requireFreshTotp(claims.sub, undefined, 'mode switch', client)).rejects.toBeInstanceOf(Forbidden);
    clock += 30;
    await auth.requireFreshTotp(claims.sub, totpAt(base32Decode(enrolment.secret), clock), 'mode switch', client);
    expect((await audit.list({ type: 'auth.totp.fresh.failed', limit: 10 })).rows).toHaveLength(2);
  });

  it('a one-time password must be replaced at first login', async () => {
    await auth.users.add({ username: 'otto', role: 'trader', password: 'one-time-pass-123', mustChangePassword: true });
    const first = await auth.login({ username: 'otto', password: 'one-time-pass-123' }, client);
    expect(first).toMatchObject({ status: 'challenge', next: 'password_change' });
    if (first.status !== 'challenge') throw new Error('unreachable');
    tokensOf(await auth.changePassword({ challenge: first.challenge, newPassword: 'my own password 9' }, client));
    tokensOf(await auth.login({ username: 'otto', password: 'my own password 9' }, client));
    await expect(auth.login({ username: 'otto', password: 'one-time-pass-123' }, client)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it('refresh rotates; reusing a rotated token revokes the whole family and is audited', async () => {
    const tokens = tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client));
    const second = await auth.refresh(tokens.refreshToken, client);
    const third = await auth.refresh(second.refreshToken, client);
    await expect(auth.refresh(tokens.refreshToken, client)).rejects.toThrow(/already used/);
    // The family is gone: even the newest token no longer refreshes.
    await expect(auth.refresh(third.refreshToken, client)).rejects.toBeInstanceOf(Unauthenticated);
    // Two audit rows: the reuse itself, then the revoked newest token presented afterwards.
    const reuse = (await audit.list({ type: 'auth.refresh.reused', limit: 5 })).rows;
    expect(reuse).toHaveLength(2);
    expect(reuse[1]?.details).toMatchObject({ familyId: (await auth.access.verify(tokens.accessToken)).sid, action: 'family revoked' });
    await expect(auth.refresh('ort_not-a-token', client)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it(`locks an account after ${LOCKOUT_FAILURES} failed logins, even for the right password`, async () => {
    await auth.users.add({ username: 'lou', role: 'viewer', password: 'lou password 12', mustChangePassword: false });
    for (let i = 0; i < LOCKOUT_FAILURES; i++) await expect(auth.login({ username: 'lou', password: `wrong ${i} xxxxxxx` }, client)).rejects.toBeInstanceOf(Unauthenticated);
    const locked = await auth.login({ username: 'lou', password: 'lou password 12' }, client).catch((error: unknown) => error);
    expect(locked).toBeInstanceOf(AccountLocked);
    expect((locked as AccountLocked).retryAfterSeconds).toBeGreaterThan(800);
    expect((await audit.list({ type: 'auth.login.locked', limit: 5 })).rows).toHaveLength(1);
    // Another account is unaffected.
    tokensOf(await auth.login({ username: 'vera', password: 'correct horse battery' }, client));
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  /** Runs `action` with this process's clock moved by `skewMs`; the database (PostgreSQL, or PGlite's own) keeps its own. */
  const withAppClockSkewed = async <T,>(skewMs: number, action: () => Promise<T>): Promise<T> => {
    const realNow = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(realNow + skewMs);
    try {
      return await action();
    } finally {
      vi.useRealTimers();
    }
  };
  /** The database's own clock, read with the app's clock real: the yardstick the expiries are checked against. */
  const databaseNowMs = async (): Promise<number> => (await ctx.store.query<{ now: Date }>('select clock_timestamp() as now')).rows[0]?.now.getTime() ?? Number.NaN;
  const TWO_HOURS_MS = 2 * 3600_000;

  it('the lockout runs on the database\'s clock: an instance whose own clock is 20 minutes ahead or behind finds the account locked for the same time', async () => {
    await auth.users.add({ username: 'skewed', role: 'viewer', password: 'skewed password 1', mustChangePassword: false });
    for (let i = 0; i < LOCKOUT_FAILURES; i++) await expect(auth.login({ username: 'skewed', password: `wrong ${i} xxxxxxx` }, client)).rejects.toBeInstanceOf(Unauthenticated);
    const lockedFor = async (skewMs: number): Promise<unknown> => {
      const refused = await withAppClockSkewed(skewMs, () => auth.login({ username: 'skewed', password: 'skewed password 1' }, client).catch((error: unknown) => error));
      return refused instanceof AccountLocked ? refused.retryAfterSeconds : refused;
    };
    // Ahead: the failures look older than the window to the app; behind: the lock looks longer.
    for (const skewMs of [20 * 60_000, -20 * 60_000]) {
      const seconds = await lockedFor(skewMs);
      expect(seconds, `app clock skewed by ${skewMs / 60_000} min`).toBeGreaterThan(800);
      expect(seconds, `app clock skewed by ${skewMs / 60_000} min`).toBeLessThanOrEqual(LOCKOUT_WINDOW_SECONDS);
    }
  });

  it('a refresh token lives refreshTtlSeconds by the database\'s clock: issued and used by an instance 2 hours ahead or behind, it is accepted while live and refused once expired', async () => {
    const user = await auth.users.add({ username: 'skewed-refresh', role: 'viewer', password: 'skewed refresh pw 1', mustChangePassword: false });
    for (const skewMs of [TWO_HOURS_MS, -TWO_HOURS_MS]) {
      const label = `app clock skewed by ${skewMs / 3600_000} h`;
      const before = await databaseNowMs();
      const tokens = tokensOf(await withAppClockSkewed(skewMs, () => auth.login({ username: 'skewed-refresh', password: 'skewed refresh pw 1' }, client)));
      // Behind by 2 hours, an app-clock expiry would already be past: the refresh would be refused.
      const rotated = await withAppClockSkewed(skewMs, () => auth.refresh(tokens.refreshToken, client));
      const after = await databaseNowMs();
      for (const expiresAt of [tokens.refreshTokenExpiresAt, rotated.refreshTokenExpiresAt]) {
        expect(expiresAt.getTime(), label).toBeGreaterThanOrEqual(before + OPTIONS.refreshTtlSeconds * 1000 - 1000);
        expect(expiresAt.getTime(), label).toBeLessThanOrEqual(after + OPTIONS.refreshTtlSeconds * 1000 + 1000);
      }
      // Its time up by the database's clock: refused, however early the app's clock says it is.
      await ctx.store.query("update auth_refresh_token set expires_at = now() - interval '1 second' where user_id = $1", [user.id]);
      await expect(withAppClockSkewed(skewMs, () => auth.refresh(rotated.refreshToken, client)), label).rejects.toBeInstanceOf(Unauthenticated);
    }
  });

  it('a login challenge lives 5 minutes by the database\'s clock: issued and answered by an instance 2 hours ahead or behind, it is accepted while live and refused once expired', async () => {
    for (const [i, skewMs] of [TWO_HOURS_MS, -TWO_HOURS_MS].entries()) {
      const label = `app clock skewed by ${skewMs / 3600_000} h`;
      const username = `skewed-challenge-${i}`;
      const user = await auth.users.add({ username, role: 'viewer', password: 'one-time password 1', mustChangePassword: true });
      const before = await databaseNowMs();
      const first = await withAppClockSkewed(skewMs, () => auth.login({ username, password: 'one-time password 1' }, client));
      const after = await databaseNowMs();
      if (first.status !== 'challenge') throw new Error('a one-time password owes a password change');
      expect(first.expiresAt.getTime(), label).toBeGreaterThanOrEqual(before + 300_000 - 1000);
      expect(first.expiresAt.getTime(), label).toBeLessThanOrEqual(after + 300_000 + 1000);
      // Expired by the database's clock: refused.
      await ctx.store.query("update auth_challenge set expires_at = now() - interval '1 second' where user_id = $1", [user.id]);
      await expect(withAppClockSkewed(skewMs, () => auth.changePassword({ challenge: first.challenge, newPassword: 'a new password 12' }, client)), label).rejects.toBeInstanceOf(Unauthenticated);
      // A fresh one: accepted (behind by 2 hours, an app-clock expiry would be long past).
      const second = await withAppClockSkewed(skewMs, () => auth.login({ username, password: 'one-time password 1' }, client));
      if (second.status !== 'challenge') throw new Error('a one-time password owes a password change');
      const changed = await withAppClockSkewed(skewMs, () => auth.changePassword({ challenge: second.challenge, newPassword: 'a new password 12' }, client));
      expect(changed.status, label).toBe('ok');
    }
  });

  it('an API key expires by the database\'s clock: an instance 2 hours ahead or behind creates, accepts and refuses keys as the database\'s time says', async () => {
    for (const skewMs of [TWO_HOURS_MS, -TWO_HOURS_MS]) {
      const label = `app clock skewed by ${skewMs / 3600_000} h`;
      const inAnHour = new Date((await databaseNowMs()) + 3600_000);
      const aMinuteAgo = new Date((await databaseNowMs()) - 60_000);
      // Ahead by 2 hours, the app would call an expiry in an hour past; behind, one a minute ago future.
      const created = await withAppClockSkewed(skewMs, () => auth.apiKeys.create({ name: 'scraper', role: 'viewer', expiresAt: inAnHour, createdBy: null }));
      await expect(withAppClockSkewed(skewMs, () => auth.apiKeys.create({ name: 'stale', role: 'viewer', expiresAt: aMinuteAgo, createdBy: null })), label).rejects.toThrow('expiresAt must be in the future');
      expect(await withAppClockSkewed(skewMs, () => auth.apiKeys.authenticate(created.secret)), label).toMatchObject({ id: created.key.id });
      expect(await withAppClockSkewed(skewMs, () => auth.apiKeys.isLive(created.key.id)), label).toBe(true);
      await ctx.store.query("update auth_api_key set expires_at = now() - interval '1 second' where id = $1", [created.key.id]);
      expect(await withAppClockSkewed(skewMs, () => auth.apiKeys.authenticate(created.secret)), label).toBeUndefined();
      expect(await withAppClockSkewed(skewMs, () => auth.apiKeys.isLive(created.key.id)), label).toBe(false);
    }
  });

  it('a retired signing key verifies for one access-token lifetime by the database\'s clock: an instance 20 minutes ahead still accepts it, one 2 hours behind refuses it once that lifetime is over', async () => {
    await auth.keys.active(); // made at the first login, if none ran before
    const { retired } = await auth.keys.rotate();
    if (retired === null) throw new Error('a key was active: rotate retires it');
    // Each check is a new instance (its own key cache), as another API process would be.
    const verifiesOn = (skewMs: number) => withAppClockSkewed(skewMs, async () => (await createSigningKeys(ctx.store, OPTIONS.ttlSeconds).verifying(retired)) !== undefined);
    for (const skewMs of [20 * 60_000, -TWO_HOURS_MS]) expect(await verifiesOn(skewMs), `just retired, app clock skewed by ${skewMs / 60_000} min`).toBe(true);
    await ctx.store.query('update auth_signing_key set retired_at = now() - make_interval(secs => $2) where kid = $1', [retired, OPTIONS.ttlSeconds + 1]);
    for (const skewMs of [20 * 60_000, -TWO_HOURS_MS]) expect(await verifiesOn(skewMs), `retired a lifetime ago, app clock skewed by ${skewMs / 60_000} min`).toBe(false);
  });

  it(`a fresh-code check counts toward the lockout and is refused once the account is locked (${LOCKOUT_FAILURES} wrong codes, then the right one)`, async () => {
    const user = await auth.users.add({ username: 'fresh-guesser', role: 'admin', password: 'fresh guesser pw 1', mustChangePassword: false });
    const secret = generateTotpSecret();
    await ctx.store.query('update auth_user set mfa_secret = $2 where id = $1', [user.id, secret]);
    const valid = new Set([-30, 0, 30].map((offset) => totpAt(base32Decode(secret), clock + offset)));
    const wrong = ['000000', '000001', '000002', '000003'].find((code) => !valid.has(code)) ?? '';
    for (let i = 0; i < LOCKOUT_FAILURES; i++) await expect(auth.requireFreshTotp(user.id, wrong, 'withdrawal', client)).rejects.toBeInstanceOf(Forbidden);
    await expect(auth.requireFreshTotp(user.id, totpAt(base32Decode(secret), clock), 'withdrawal', client)).rejects.toBeInstanceOf(AccountLocked);
    // Refused before the code was looked at: its step is still unspent.
    expect((await ctx.store.query<{ last_totp_step: string | null }>('select last_totp_step::text from auth_user where id = $1', [user.id])).rows[0]?.last_totp_step).toBeNull();
  });

  /** How each of parallel attempts ended: checked and wrong, or refused as locked. */
  const tallyOf = async (attempts: Array<Promise<unknown>>) => {
    const outcomes = await Promise.all(
      attempts.map((attempt) => attempt.then(() => 'accepted', (error: unknown) => (error instanceof AccountLocked ? 'locked' : error instanceof Unauthenticated ? 'wrong' : String(error)))),
    );
    return { wrong: outcomes.filter((o) => o === 'wrong').length, locked: outcomes.filter((o) => o === 'locked').length };
  };
  const storedFailures = async (userId: string) => Number((await ctx.store.query<{ n: number }>('select count(*)::int as n from auth_login_attempt where user_id = $1 and not ok', [userId])).rows[0]?.n);

  it(`parallel wrong passwords cannot get past the lockout: of 20 at once, at most ${LOCKOUT_FAILURES} are checked and the rest refused as locked`, async () => {
    const guessed = await auth.users.add({ username: 'burst', role: 'viewer', password: 'burst password 12', mustChangePassword: false });
    const logins = await tallyOf(Array.from({ length: 20 }, (_, i) => auth.login({ username: 'burst', password: `wrong ${i} xxxxxxx` }, client)));
    expect(logins.wrong).toBeLessThanOrEqual(LOCKOUT_FAILURES);
    expect(logins.wrong + logins.locked).toBe(20);
    expect(await storedFailures(guessed.id)).toBeLessThanOrEqual(LOCKOUT_FAILURES);
  });

  it.runIf(ctx.backend === 'postgres')(`two API instances on one PostgreSQL database share the lockout: of 20 wrong passwords split between them, at most ${LOCKOUT_FAILURES} are checked`, async () => {
    // A second instance: its own connection pool and service over the same schema.
    const schema = (await ctx.store.query<{ s: string }>('select current_schema() as s')).rows[0]?.s ?? '';
    const other = await openStore({ databaseUrl: process.env['TEST_DATABASE_URL'] ?? '', schema, maxConnections: 4 });
    try {
      const second = createAuthService(other, createAuditLog(other, generateCheckpointKey().key), { ...OPTIONS, now: () => clock });
      const guessed = await auth.users.add({ username: 'burst-two', role: 'viewer', password: 'burst two password', mustChangePassword: false });
      const logins = await tallyOf(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? auth : second).login({ username: 'burst-two', password: `wrong ${i} xxxxxxx` }, client)));
      expect(logins.wrong).toBeLessThanOrEqual(LOCKOUT_FAILURES);
      expect(logins.wrong + logins.locked).toBe(20);
      expect(await storedFailures(guessed.id)).toBeLessThanOrEqual(LOCKOUT_FAILURES);
    } finally {
      await other.close();
    }
  });

  it(`parallel wrong MFA codes cannot get past the lockout: of 20 at once on one challenge, at most ${LOCKOUT_FAILURES} are checked`, async () => {
    const enrolled = await auth.users.add({ username: 'burst-mfa', role: 'trader', password: 'burst mfa password', mustChangePassword: false });
    const secret = generateTotpSecret();
    await ctx.store.query('update auth_user set mfa_secret = $2 where id = $1', [enrolled.id, secret]);
    const login = await auth.login({ username: 'burst-mfa', password: 'burst mfa password' }, client);
    if (login.status !== 'challenge') throw new Error('an enrolled user owes an MFA code');
    const valid = new Set([-30, 0, 30].map((offset) => totpAt(base32Decode(secret), clock + offset)));
    const wrong = ['000000', '000001', '000002', '000003'].find((code) => !valid.has(code)) ?? '';
    const codes = await tallyOf(Array.from({ length: 20 }, () => auth.completeMfa({ challenge: login.challenge, code: wrong }, client)));
    expect(codes.wrong).toBeLessThanOrEqual(LOCKOUT_FAILURES);
    expect(codes.wrong + codes.locked).toBe(20);
    expect(await storedFailures(enrolled.id)).toBeLessThanOrEqual(LOCKOUT_FAILURES);
  });

  it('a right answer is no failure: nine wrong passwords, the right one (MFA still owed), a wrong code, then the account is locked', async () => {
    const user = await auth.users.add({ username: 'counted', role: 'trader', password: 'counted password 1', mustChangePassword: false });
    await ctx.store.query('update auth_user set mfa_secret = $2 where id = $1', [user.id, generateTotpSecret()]);
    for (let i = 0; i < LOCKOUT_FAILURES - 1; i++) await expect(auth.login({ username: 'counted', password: `wrong ${i} xxxxxxx` }, client)).rejects.toBeInstanceOf(Unauthenticated);
    const login = await auth.login({ username: 'counted', password: 'counted password 1' }, client);
    expect(login).toMatchObject({ status: 'challenge', next: 'mfa' });
    if (login.status !== 'challenge') throw new Error('unreachable');
    await expect(auth.completeMfa({ challenge: login.challenge, code: 'abcdef' }, client)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(auth.login({ username: 'counted', password: 'counted password 1' }, client)).rejects.toBeInstanceOf(AccountLocked);
  });
});
