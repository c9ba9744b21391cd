import QRCode from 'qrcode';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Store } from '../store/index.ts';
import { createAccessTokens, type AccessClaims, type AccessTokenOptions, type AccessTokens } from './access-tokens.ts';
import { createApiKeys, type ApiKeys } from './api-keys.ts';
import { createChallenges, type Challenges } from './challenges.ts';
import { AccountLocked, BadRequest, Conflict, Forbidden, Unauthenticated } from './errors.ts';
import { allows, type Permission } from './roles.ts';
import { createLockout, type AdmittedAttempt, type Lockout } from './lockout.ts';
import { burnPasswordCheck, verifyPassword } from './password.ts';
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens.ts';
import { createSigningKeys, type SigningKeys } from './signing-keys.ts';
import { generateTotpSecret, matchTotp, otpauthUri } from './totp.ts';
import { createUsers, MFA_SETUP_TTL_SECONDS, type UserSecrets, type Users } from './users.ts';
import { secretHash } from './secret-token.ts';

/** Who owns a pending MFA secret: the signed-in session (refresh family) that started it… */
const sessionOrigin = (sessionId: string): string => `session:${sessionId}`;
/** …or the login challenge whose enrolment step did (its hash: the challenge itself is a secret). */
const challengeOrigin = (challenge: string): string => `challenge:${secretHash(challenge)}`;

/**
 * The login flow and sessions. `login` checks the password (argon2id) and the lockout, then
 * either returns tokens or a challenge naming the step still owed: `password_change` (a
 * one-time password), `mfa_enrolment` (an admin without MFA), `mfa` (a TOTP code). Every
 * outcome that matters for security is in the audit log.
 */

/** Where a request came from (personal data: audit_personal only). */
export interface ClientInfo {
  ip: string;
}

/** Tokens of a signed-in session. */
export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** The step a login still owes. */
export type ChallengeStep = 'password_change' | 'mfa_enrolment' | 'mfa';

/** What `login` and each challenge step answer. */
export type LoginResult = { status: 'ok'; tokens: SessionTokens } | { status: 'challenge'; next: ChallengeStep; challenge: string; expiresAt: Date };

/** MFA enrolment material: the secret, its otpauth URI and a QR code of it (PNG data URL). */
export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
  qrPng: string;
}

/** Settings of the auth service. */
export interface AuthOptions extends AccessTokenOptions {
  refreshTtlSeconds: number;
  /** Issuer name shown in authenticator apps. */
  totpIssuer?: string;
  /** Clock (seconds since the epoch) for TOTP; tests move it. */
  now?: () => number;
}

/** The auth service and the repositories behind it. */
export interface AuthService {
  users: Users;
  apiKeys: ApiKeys;
  keys: SigningKeys;
  access: AccessTokens;
  refreshTokens: RefreshTokens;
  login(input: { username: string; password: string }, client: ClientInfo): Promise<LoginResult>;
  changePassword(input: { challenge: string; newPassword: string }, client: ClientInfo): Promise<LoginResult>;
  startEnrolment(input: { challenge: string }): Promise<MfaEnrolment>;
  completeMfa(input: { challenge: string; code: string }, client: ClientInfo): Promise<SessionTokens>;
  refresh(refreshToken: string, client: ClientInfo): Promise<SessionTokens>;
  logout(claims: AccessClaims, client: ClientInfo): Promise<void>;
  /**
   * Enrolment for a signed-in user: a new pending secret, owned by this session (`sessionId`, the
   * refresh family) for MFA_SETUP_TTL_SECONDS. Starting or restarting it needs the password again
   * (counted by the lockout): an access token alone (stolen, or left in an open browser) must not
   * be enough to bind an authenticator of its holder's to the account, nor to replace the secret
   * the user is scanning.
   */
  enrolSelf(session: SelfSession, password: string, client: ClientInfo): Promise<MfaEnrolment>;
  /**
   * Confirms a signed-in user's pending secret with a code from it, from the session that started
   * it and before it expires. Replacing an enrolled secret also needs `currentCode`, a fresh code
   * from the enrolled one.
   */
  confirmSelf(session: SelfSession, codes: { code: string; currentCode?: string | undefined }, client: ClientInfo): Promise<void>;
  /**
   * Checks a fresh TOTP code of the signed-in user for an action that moves money or changes
   * mode; throws Forbidden (and audits it) when absent, wrong or replayed.
   */
  /**
   * `permission`: what the route needs, checked against the account's role now — the access
   * token's role claim is the one it had at sign-in, up to the token's life ago.
   */
  requireFreshTotp(userId: string, code: string | undefined, action: string, client: ClientInfo, permission?: Permission): Promise<void>;
}

/** A signed-in user's session: the user, and the refresh family its access token belongs to. */
export interface SelfSession {
  userId: string;
  sessionId: string;
}

/** Whether a role must have MFA before it gets a session. */
export function mfaMandatory(user: Pick<UserSecrets, 'role'>): boolean {
  return user.role === 'admin';
}

/** Builds the auth service over a store and the audit log. */
export function createAuthService(store: Store, audit: AuditLog, options: AuthOptions): AuthService {
  const users = createUsers(store);
  const keys = createSigningKeys(store, options.ttlSeconds);
  const access = createAccessTokens(keys, options);
  const refreshTokens = createRefreshTokens(store, options.refreshTtlSeconds);
  const challenges: Challenges = createChallenges(store);
  const lockout: Lockout = createLockout(store);
  const apiKeys = createApiKeys(store);
  const now = options.now ?? (() => Date.now() / 1000);
  const issuer = options.totpIssuer ?? 'Orion';

  const session = async (user: UserSecrets, client: ClientInfo): Promise<SessionTokens> => {
    const refresh = await refreshTokens.start(user.id);
    const token = await access.issue({ userId: user.id, role: user.role, sessionId: refresh.familyId, pseudonym: user.pseudonym });
    await lockout.succeeded(user.id);
    await audit.append({ type: 'auth.login.ok', actor: user.pseudonym, details: { role: user.role, mfa: user.mfaEnrolled }, actorData: { username: user.username, ip: client.ip } });
    return { tokenType: 'Bearer', accessToken: token.token, accessTokenExpiresAt: token.expiresAt, refreshToken: refresh.token, refreshTokenExpiresAt: refresh.expiresAt };
  };

  const nextStep = (user: UserSecrets): ChallengeStep | undefined => {
    if (user.mustChangePassword) return 'password_change';
    if (user.mfaEnrolled) return 'mfa';
    if (mfaMandatory(user)) return 'mfa_enrolment';
    return undefined;
  };

  const proceed = async (user: UserSecrets, client: ClientInfo): Promise<LoginResult> => {
    const next = nextStep(user);
    if (next === undefined) return { status: 'ok', tokens: await session(user, client) };
    return { status: 'challenge', next, ...(await challenges.create(user.id)) };
  };

  const liveUser = async (userId: string | undefined): Promise<UserSecrets> => {
    const user = userId === undefined ? undefined : await users.byId(userId);
    if (user === undefined || user.disabled) throw new Unauthenticated('challenge expired or invalid; log in again');
    return user;
  };

  /** A wrong answer: its admitted attempt stays a failure; audited. */
  const failed = async (user: UserSecrets, type: 'auth.login.failed' | 'auth.mfa.failed', reason: string, client: ClientInfo): Promise<never> => {
    await audit.append({ type, actor: user.pseudonym, details: { reason }, actorData: { username: user.username, ip: client.ip } });
    throw new Unauthenticated(type === 'auth.login.failed' ? 'invalid username or password' : 'invalid MFA code');
  };

  /** Counts a guess (password or code) before it is checked; throws AccountLocked (audited) instead when locked. */
  const admit = async (user: UserSecrets, client: ClientInfo): Promise<AdmittedAttempt> => {
    const admission = await lockout.admit(user.id);
    if (!admission.locked) return admission;
    const seconds = admission.retryAfterSeconds;
    await audit.append({ type: 'auth.login.locked', actor: user.pseudonym, details: { retryAfterSeconds: seconds }, actorData: { username: user.username, ip: client.ip } });
    throw new AccountLocked(seconds);
  };

  const enrolment = async (user: UserSecrets, origin: string): Promise<MfaEnrolment> => {
    const secret = generateTotpSecret();
    await users.setPendingMfaSecret(user.id, secret, origin);
    const uri = otpauthUri(secret, user.username, issuer);
    return { secret, otpauthUri: uri, qrPng: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M' }) };
  };

  /** Matches a code against the enrolled secret (or the pending one) and spends its step. */
  const checkCode = async (user: UserSecrets, code: string, secret: string | null): Promise<bigint | null> => {
    if (secret === null) return null;
    const step = matchTotp(secret, code, now(), user.lastTotpStep);
    if (step === null) return null;
    if (secret === user.mfaPendingSecret) return step;
    return (await users.useTotpStep(user.id, step)) ? step : null;
  };

  return {
    users,
    apiKeys,
    keys,
    access,
    refreshTokens,

    async login({ username, password }, client) {
      const user = await users.byUsername(username);
      if (user === undefined || user.erased) {
        await burnPasswordCheck(password);
        await audit.append({ type: 'auth.login.failed', details: { reason: 'unknown user' }, actorData: { ip: client.ip } });
        throw new Unauthenticated('invalid username or password');
      }
      const attempt = await admit(user, client);
      if (!(await verifyPassword(user.passwordHash, password))) return failed(user, 'auth.login.failed', 'wrong password', client);
      if (user.disabled) return failed(user, 'auth.login.failed', 'account disabled', client);
      // The right password is no failure, nor a success: the failures of the MFA step still count.
      await attempt.passed();
      return proceed(user, client);
    },

    async changePassword({ challenge, newPassword }, client) {
      const user = await liveUser(await challenges.peek(challenge));
      if (!user.mustChangePassword) throw new BadRequest('this login owes no password change');
      await users.setPassword(user.id, newPassword);
      await challenges.spend(challenge);
      await audit.append({ type: 'auth.password.changed', actor: user.pseudonym, details: { reason: 'one-time password replaced' }, actorData: { username: user.username, ip: client.ip } });
      return proceed({ ...user, mustChangePassword: false }, client);
    },

    async startEnrolment({ challenge }) {
      const user = await liveUser(await challenges.peek(challenge));
      if (user.mustChangePassword || user.mfaEnrolled) throw new BadRequest('this login owes no MFA enrolment');
      return enrolment(user, challengeOrigin(challenge));
    },

    async completeMfa({ challenge, code }, client) {
      const user = await liveUser(await challenges.peek(challenge));
      if (user.mustChangePassword) throw new BadRequest('change the one-time password first');
      const enrolling = !user.mfaEnrolled;
      // Only the secret this login's enrolment issued, while it is fresh: not one a signed-in setup
      // (or another login) left pending. No code is looked at, so no attempt is counted.
      if (enrolling && (user.mfaPendingOrigin !== challengeOrigin(challenge) || user.mfaPendingExpired)) {
        throw new BadRequest('no MFA enrolment started by this login, or it expired: POST /auth/mfa/enrol with this challenge first');
      }
      const attempt = await admit(user, client);
      const step = await checkCode(user, code, enrolling ? user.mfaPendingSecret : user.mfaSecret);
      if (step === null) return failed(user, 'auth.mfa.failed', enrolling ? 'wrong enrolment code' : 'wrong or replayed code', client);
      await attempt.passed();
      if ((await challenges.spend(challenge)) === undefined) throw new Unauthenticated('challenge expired or invalid; log in again');
      if (enrolling) {
        if (!(await users.confirmMfa(user.id, user.mfaPendingSecret ?? '', challengeOrigin(challenge), step))) throw new Unauthenticated('MFA enrolment restarted meanwhile; log in again');
        await audit.append({ type: 'auth.mfa.enrolled', actor: user.pseudonym, details: {}, actorData: { username: user.username, ip: client.ip } });
      }
      return session({ ...user, mfaEnrolled: true }, client);
    },

    async refresh(token, client) {
      const outcome = await refreshTokens.rotate(token);
      if (outcome.status === 'invalid') throw new Unauthenticated('invalid or expired refresh token');
      const user = await users.byId(outcome.userId);
      if (outcome.status === 'reused') {
        await audit.append({
          type: 'auth.refresh.reused',
          ...(user === undefined ? {} : { actor: user.pseudonym, actorData: { username: user.username, ip: client.ip } }),
          details: { familyId: outcome.familyId, action: 'family revoked' },
        });
        throw new Unauthenticated('refresh token already used; every session of this login is revoked');
      }
      // A refused refresh ends the login (its family revoked first: the refusal holds even if its
      // record fails) and is recorded: who was turned away, and why.
      const refuse = async (reason: string): Promise<never> => {
        await refreshTokens.revokeFamily(outcome.familyId);
        await audit.append({
          type: 'auth.refresh.refused',
          ...(user === undefined ? {} : { actor: user.pseudonym, actorData: { username: user.username, ip: client.ip } }),
          details: { familyId: outcome.familyId, reason, action: 'family revoked' },
        });
        throw new Unauthenticated(reason);
      };
      if (user === undefined || user.disabled) return refuse('account disabled');
      // The role is read again here, so the rule login applies to it must be too: a user promoted
      // to admin without MFA would otherwise hold an admin session that never passed MFA.
      if (mfaMandatory(user) && !user.mfaEnrolled) return refuse(`the role ${user.role} needs MFA: log in again to enrol it`);
      const issued = await access.issue({ userId: user.id, role: user.role, sessionId: outcome.familyId, pseudonym: user.pseudonym });
      return { tokenType: 'Bearer', accessToken: issued.token, accessTokenExpiresAt: issued.expiresAt, refreshToken: outcome.token, refreshTokenExpiresAt: outcome.expiresAt };
    },

    async logout(claims, client) {
      await refreshTokens.revokeFamily(claims.sid);
      await audit.append({ type: 'auth.logout', actor: claims.psn, actorData: { ip: client.ip }, details: { sessionId: claims.sid } });
    },

    async enrolSelf({ userId, sessionId }, password, client) {
      const user = await liveUser(userId);
      const attempt = await admit(user, client);
      if (!(await verifyPassword(user.passwordHash, password))) {
        await audit.append({ type: 'auth.mfa.setup.refused', actor: user.pseudonym, details: { reason: 'wrong password', sessionId }, actorData: { username: user.username, ip: client.ip } });
        throw new Forbidden('invalid password: starting an MFA setup needs your password');
      }
      await attempt.passed();
      const restarted = user.mfaPendingSecret !== null && !user.mfaPendingExpired;
      const started = await enrolment(user, sessionOrigin(sessionId));
      await audit.append({
        type: 'auth.mfa.setup.started',
        actor: user.pseudonym,
        details: { sessionId, replacing: user.mfaEnrolled, restarted, ...(restarted ? { previousOwner: user.mfaPendingOrigin === sessionOrigin(sessionId) ? 'this session' : 'another session or login' } : {}) },
        actorData: { username: user.username, ip: client.ip },
      });
      return started;
    },

    async confirmSelf({ userId, sessionId }, { code, currentCode }, client) {
      const user = await liveUser(userId);
      const pending = user.mfaPendingSecret;
      if (pending === null) throw new BadRequest('no MFA enrolment to confirm: start one with POST /auth/mfa/setup');
      const replacing = user.mfaEnrolled;
      const refuse = async (reason: string, message: string): Promise<never> => {
        await audit.append({ type: 'auth.mfa.failed', actor: user.pseudonym, details: { reason }, actorData: { username: user.username, ip: client.ip } });
        throw new Forbidden(message);
      };
      const origin = sessionOrigin(sessionId);
      if (user.mfaPendingOrigin !== origin) return refuse('setup started by another session', 'this MFA setup was started by another session: only that session can confirm it (or start a new one here)');
      if (user.mfaPendingExpired) throw new Conflict(`this MFA setup expired (it can be confirmed for ${MFA_SETUP_TTL_SECONDS / 60} minutes): start again with POST /auth/mfa/setup`);
      if (replacing && (currentCode === undefined || currentCode === '')) {
        return refuse('replacement without a current code', 'replacing an enrolled MFA secret needs currentCode: a fresh code from the authenticator enrolled now');
      }
      const attempt = await admit(user, client);
      // The new secret's code first: it is not spent, so a typo there does not burn the current code.
      const step = await checkCode(user, code, pending);
      if (step === null) return failed(user, 'auth.mfa.failed', 'wrong enrolment code', client);
      let spent = step;
      if (replacing) {
        const current = await checkCode(user, currentCode ?? '', user.mfaSecret);
        if (current === null) {
          return refuse('wrong or replayed current code', 'invalid currentCode: replacing an enrolled MFA secret needs a fresh code from the authenticator enrolled now');
        }
        if (current > spent) spent = current;
      }
      await attempt.passed();
      // Moves exactly the secret checked above: a setup racing this request cannot slip its own in.
      if (!(await users.confirmMfa(user.id, pending, origin, spent))) throw new Conflict('the MFA enrolment was restarted meanwhile: start again with POST /auth/mfa/setup');
      await audit.append({ type: replacing ? 'auth.mfa.replaced' : 'auth.mfa.enrolled', actor: user.pseudonym, details: {}, actorData: { username: user.username, ip: client.ip } });
    },

    async requireFreshTotp(userId, code, action, client, permission) {
      const user = await liveUser(userId);
      const refuse = async (reason: string, message = `${action} needs a fresh TOTP code: ${reason}`): Promise<never> => {
        await audit.append({ type: 'auth.totp.fresh.failed', actor: user.pseudonym, details: { action, reason }, actorData: { ip: client.ip } });
        throw new Forbidden(message);
      };
      // A demoted account keeps its old role claim until its access token expires (15 min): for the
      // actions that move money or change mode, the role it has now decides.
      if (permission !== undefined && !allows(user.role, permission)) {
        return refuse(`role ${user.role} lacks ${permission}`, `role ${user.role} may not ${action} (needs ${permission}): the account's role changed since this session signed in`);
      }
      if (!user.mfaEnrolled) return refuse('MFA is not enrolled');
      if (code === undefined || code === '') return refuse('no code given');
      // The same lockout as at login: else ten guesses here every 15 minutes would go on forever.
      const attempt = await admit(user, client);
      if ((await checkCode(user, code, user.mfaSecret)) === null) return refuse('wrong or replayed code');
      await attempt.passed();
    },
  };
}
