import { createHmac } from 'node:crypto';
import { exportJWK, SignJWT, generateKeyPair } from 'jose';
import { beforeAll, expect, it } from 'vitest';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import { generateCheckpointKey } from '../audit/checkpoint-key.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createAuthService, type AuthService, type LoginResult } from './auth-service.ts';
import { AccountLocked, Forbidden, Unauthenticated } from './errors.ts';
import { LOCKOUT_FAILURES } from './lockout.ts';
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
});
