import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { SessionTokens, LoginResult } from '../../auth/auth-service.ts';
import { Unauthenticated } from '../../auth/errors.ts';
import { ChallengeBody, CodeBody, Done, Enrolment, LoginBody, LoginResponse, Me, MfaBody, MfaSetupBody, PasswordChangeBody, RefreshBody, Tokens } from '../schemas/auth.ts';
import { errorResponses, guarded } from '../schemas/common.ts';
import { actorOf } from '../audit-actor.ts';

/** Options of the auth routes. */
export interface AuthRoutesOptions {
  /** Requests per minute per IP address on login, MFA and refresh. */
  authRateLimit: number;
}

function tokensBody(tokens: SessionTokens): Static<typeof Tokens> {
  return {
    status: 'ok',
    tokenType: 'Bearer',
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt.toISOString(),
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString(),
  };
}

function loginBody(result: LoginResult): Static<typeof LoginResponse> {
  if (result.status === 'ok') return tokensBody(result.tokens);
  return { status: 'challenge', next: result.next, challenge: result.challenge, expiresAt: result.expiresAt.toISOString() };
}

const client = (request: FastifyRequest): { ip: string } => ({ ip: request.ip });

/**
 * `/auth/*`: login (password, then the step a challenge names), MFA enrolment, refresh
 * rotation, logout, and who am I. The public ones are rate limited harder per IP.
 */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, options) => {
  const open = { permission: 'public' as const, rateLimit: { max: options.authRateLimit, timeWindow: 60_000 } };
  const tags = ['auth'];

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/auth/login',
    { config: open, schema: { tags, summary: 'Sign in with a password; answers tokens or the challenge still owed', body: LoginBody, response: { 200: LoginResponse, ...errorResponses(400, 401, 423, 429, 503) } } },
    async (request) => loginBody(await app.services.get().auth.login(request.body, client(request))),
  );

  app.post<{ Body: Static<typeof PasswordChangeBody> }>(
    '/auth/password',
    { config: open, schema: { tags, summary: 'Replace a one-time password (challenge next = password_change)', body: PasswordChangeBody, response: { 200: LoginResponse, ...errorResponses(400, 401, 429, 503) } } },
    async (request) => loginBody(await app.services.get().auth.changePassword(request.body, client(request))),
  );

  app.post<{ Body: Static<typeof ChallengeBody> }>(
    '/auth/mfa/enrol',
    { config: open, schema: { tags, summary: 'Start MFA enrolment at login (challenge next = mfa_enrolment): secret, otpauth URI, QR', body: ChallengeBody, response: { 200: Enrolment, ...errorResponses(400, 401, 429, 503) } } },
    async (request) => app.services.get().auth.startEnrolment(request.body),
  );

  app.post<{ Body: Static<typeof MfaBody> }>(
    '/auth/mfa',
    { config: open, schema: { tags, summary: 'Answer the MFA challenge with a TOTP code (confirms enrolment too)', body: MfaBody, response: { 200: Tokens, ...errorResponses(400, 401, 423, 429, 503) } } },
    async (request) => tokensBody(await app.services.get().auth.completeMfa(request.body, client(request))),
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/auth/refresh',
    { config: open, schema: { tags, summary: 'Rotate a refresh token: new access and refresh tokens; a reused one revokes its family', body: RefreshBody, response: { 200: Tokens, ...errorResponses(400, 401, 429, 503) } } },
    async (request) => tokensBody(await app.services.get().auth.refresh(request.body.refreshToken, client(request))),
  );

  app.post(
    '/auth/logout',
    { config: { permission: 'self' }, schema: { tags, summary: 'End this session: its refresh tokens are revoked', response: guarded({ 200: Done }) } },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== 'user') throw new Unauthenticated('logout needs a signed-in user, not an API key');
      await app.services.get().auth.logout({ sub: principal.userId, role: principal.role, sid: principal.sessionId, psn: principal.pseudonym, exp: principal.expiresAt }, client(request));
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/auth/me',
    { config: { permission: 'self' }, schema: { tags, summary: 'Who is calling', response: guarded({ 200: Me }) } },
    async (request): Promise<Static<typeof Me>> => {
      const principal = request.principal;
      if (principal === undefined) throw new Unauthenticated('sign in first');
      if (principal.kind === 'api-key') return { kind: 'api-key', id: principal.keyId, role: principal.role };
      const user = await app.services.get().auth.users.byId(principal.userId);
      return { kind: 'user', id: principal.userId, role: principal.role, expiresAt: new Date(principal.expiresAt * 1000).toISOString(), ...(user === undefined ? {} : { username: user.username, mfaEnrolled: user.mfaEnrolled }) };
    },
  );

  app.post<{ Body: Static<typeof MfaSetupBody> }>(
    '/auth/mfa/setup',
    {
      config: { permission: 'self' },
      schema: { tags, summary: 'Signed in: start (or restart) MFA enrolment, with the password again; only this session can confirm it, within 10 minutes', body: MfaSetupBody, response: guarded({ 200: Enrolment }, 423) },
    },
    async (request) => {
      if (request.principal?.kind !== 'user') throw new Unauthenticated('MFA belongs to users, not API keys');
      return app.services.get().auth.enrolSelf({ userId: request.principal.userId, sessionId: request.principal.sessionId }, request.body.password, client(request));
    },
  );

  app.post<{ Body: Static<typeof CodeBody> }>(
    '/auth/mfa/setup/confirm',
    { config: { permission: 'self' }, schema: { tags, summary: 'Signed in: confirm enrolment with a code from the new secret, from the session that started it (replacing an enrolled one: currentCode too)', body: CodeBody, response: guarded({ 200: Done }, 409, 423) } },
    async (request) => {
      if (request.principal?.kind !== 'user') throw new Unauthenticated('MFA belongs to users, not API keys');
      await app.services.get().auth.confirmSelf({ userId: request.principal.userId, sessionId: request.principal.sessionId }, { code: request.body.code, currentCode: request.body.currentCode }, client(request));
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/auth/keys/rotate',
    { config: { permission: 'auth.keys.rotate' }, schema: { tags, summary: 'Rotate the JWT signing key (old tokens stay valid until they expire)', response: guarded({ 200: Type.Object({ retired: Type.Union([Type.String(), Type.Null()]), active: Type.String() }) }) } },
    async (request) => {
      const services = app.services.get();
      // The audit record is written in the rotation's transaction: both or neither.
      return services.auth.keys.rotate(async (tx, rotated) => {
        await services.audit.append({ type: 'auth.key.rotated', ...actorOf(request), details: { retired: rotated.retired, active: rotated.active } }, tx);
      });
    },
  );
};
