import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import { generateCheckpointKey } from '../audit/checkpoint-key.ts';
import { createAuthService, type AuthService } from '../auth/auth-service.ts';
import { erasureJournal, type ErasureJournal } from '../auth/erasure.ts';
import type { Role } from '../auth/roles.ts';
import { base32Decode, totpAt } from '../auth/totp.ts';
import type { Store } from '../store/index.ts';
import { buildApp, type AppOptions, type HttpSettings } from './app.ts';
import { Readiness } from './readiness.ts';
import { OwnerKeyMissing } from '../controls/contract-controls.ts';
import { createModeService } from '../mode/mode-service.ts';
import { ServiceGate, type ApiServices } from './services.ts';

/**
 * Test helper: the real app over a real store, with one signed-in user per role (the admin
 * enrolled in MFA through the login flow). Tests only: never import from src code.
 */

/** A signed-in test user. */
export interface TestUser {
  id: string;
  username: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  /** TOTP secret, when enrolled. */
  totpSecret?: string;
}

/** The app, its services and the users. */
export interface TestApp {
  app: FastifyInstance;
  services: ApiServices;
  auth: AuthService;
  audit: AuditLog;
  users: Record<Role, TestUser>;
  /** `Authorization` header of a role's user. */
  bearer(role: Role): { authorization: string };
}

/** A TOTP code of `secret` for a time step after `afterStep` uses (now + 30 s · n). */
export function codeAt(secret: string, offsetSteps = 0): string {
  return totpAt(base32Decode(secret), Date.now() / 1000 + offsetSteps * 30);
}

const PASSWORD = 'test password 123';

/** Builds the app over `store`, opens the gate, signs in one user per role. */
export async function createTestApp(store: Store, options: { http?: Partial<HttpSettings>; app?: Partial<AppOptions>; register?: (app: FastifyInstance) => void; erasures?: ErasureJournal } = {}): Promise<TestApp> {
  const audit = createAuditLog(store, generateCheckpointKey().key);
  const auth = createAuthService(store, audit, { issuer: 'orion', audience: 'orion-api', ttlSeconds: 900, refreshTtlSeconds: 3600 });
  // The erasure journal in a data folder of the test's own (the OS removes tmp; it holds ids only).
  const erasures = options.erasures ?? erasureJournal(mkdtempSync(join(tmpdir(), 'orion-test-erasures-')));
  const services: ApiServices = { store, auth, audit, erasures };
  const gate = new ServiceGate();
  gate.open(services);
  const readiness = new Readiness();
  readiness.expect('database');
  readiness.markReady('database', 'test');
  // The mode routes over this store (validation cannot reach a chain here: 409) and contract
  // controls without an owner key (409), unless the test brings its own.
  const mode = createModeService({ store, audit, allowLive: false, target: () => 'no chain in this test app' });
  const live: AppOptions['live'] = { mode: () => mode, contract: () => async () => { throw new OwnerKeyMissing(); } };
  const app = buildApp({ readiness, gate, live, http: { rateLimit: 100_000, authRateLimit: 100_000, ...options.http }, ...options.app });
  // Inside a plugin, so the auth plugin's onRoute hook (loaded by then) sees the routes.
  void app.register(async (scope) => options.register?.(scope));
  await app.ready();

  const users = {} as Record<Role, TestUser>;
  const suffix = Math.random().toString(36).slice(2, 8);
  for (const role of ['viewer', 'trader', 'risk', 'admin', 'auditor'] as const) {
    const username = `${role}-${suffix}`;
    const user = await auth.users.add({ username, role, password: PASSWORD, mustChangePassword: false });
    const login = await auth.login({ username, password: PASSWORD }, { ip: '127.0.0.1' });
    if (login.status === 'ok') {
      users[role] = { id: user.id, username, password: PASSWORD, role, accessToken: login.tokens.accessToken, refreshToken: login.tokens.refreshToken };
      continue;
    }
    const enrolment = await auth.startEnrolment({ challenge: login.challenge });
    const tokens = await auth.completeMfa({ challenge: login.challenge, code: codeAt(enrolment.secret) }, { ip: '127.0.0.1' });
    users[role] = { id: user.id, username, password: PASSWORD, role, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, totpSecret: enrolment.secret };
  }
  return { app, services, auth, audit, users, bearer: (role) => ({ authorization: `Bearer ${users[role].accessToken}` }) };
}

let admins = 0;
/**
 * A fresh admin, enrolled with this step's code, and the next step's code (accepted within ±1
 * step, and after the enrolment's): one TOTP-guarded request each. Not the previous step's code
 * for the enrolment: when the step turns between making that code and checking it, it is two
 * steps old and refused.
 */
export async function enrolledAdmin(t: TestApp): Promise<{ bearer: { authorization: string }; code: string; username: string }> {
  const username = `enrolled-admin-${++admins}-${Math.random().toString(36).slice(2, 8)}`;
  await t.auth.users.add({ username, role: 'admin', password: 'admin password 123', mustChangePassword: false });
  const login = await t.auth.login({ username, password: 'admin password 123' }, { ip: '127.0.0.1' });
  if (login.status !== 'challenge') throw new Error('an admin without MFA must enrol');
  const secret = (await t.auth.startEnrolment({ challenge: login.challenge })).secret;
  const token = (await t.auth.completeMfa({ challenge: login.challenge, code: codeAt(secret, 0) }, { ip: '127.0.0.1' })).accessToken;
  return { bearer: { authorization: `Bearer ${token}` }, code: codeAt(secret, 1), username };
}
