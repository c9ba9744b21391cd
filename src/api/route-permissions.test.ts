import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, ROLES, type Role } from '../auth/roles.ts';
import { forEachBackend } from '../store/test-store.ts';
import { buildApp } from './app.ts';
import { Readiness } from './readiness.ts';
import { createTestApp, type TestApp } from './test-app.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenDirectory } from '../format/symbols.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { takeBackup } from '../ops/backup/index.ts';
import { seedLimits } from '../orchestrator/limits.ts';
import { openProtections, type Protections } from '../risk-controls/protections-service.ts';

describe('route permissions', () => {
  it('a route registered without a declared permission fails the app at start', async () => {
    const app = buildApp({ readiness: new Readiness() });
    void app.register(async (scope) => {
      scope.get('/api/v1/unguarded', async () => ({ leaked: true }));
    });
    await expect(app.ready()).rejects.toThrow(/GET \/api\/v1\/unguarded declares no permission/);
  });
});

const TABLES = ['auth_user', 'auth_api_key', 'auth_refresh_token', 'auth_challenge', 'auth_signing_key', 'auth_login_attempt', 'audit_log', 'audit_personal'];

forEachBackend('every route', (ctx) => {
  let t: TestApp;
  // The services behind the control and operations routes run, so every route answers as it would in a running server.
  const folder = mkdtempSync(join(tmpdir(), 'orion-routes-'));
  let protections: Protections | undefined;
  beforeAll(async () => {
    const session = await enterModeSession(ctx.store, 'sim', 31337);
    protections = await openProtections({ store: ctx.store, chainId: 31337, session: session.id, dataDir: folder, seed: seedLimits({}), tokens: () => new TokenDirectory([]) });
    t = await createTestApp(ctx.store, { app: { controls: { protections: () => protections }, ops: { backup: (store) => takeBackup(store, folder) } } });
  });
  afterAll(async () => {
    await protections?.settle();
    await t?.app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, 'no-such-id');

  it('declares a permission, and the role × route matrix holds: anonymous 401, a role without it 403, a role with it neither', async () => {
    const routes = t.app.routePermissions.filter((route) => route.url.startsWith('/api/') && route.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(15);
    for (const route of t.app.routePermissions) expect(route.permission, `${route.method} ${route.url}`).toBeDefined();
    for (const route of routes) {
      const permission = route.permission ?? 'public';
      const inject = (headers: Record<string, string>) => t.app.inject({ method: route.method as 'GET', url: concrete(route.url), headers });
      if (permission !== 'public') expect((await inject({})).statusCode, `anonymous ${route.method} ${route.url}`).toBe(401);
      for (const role of ROLES as readonly Role[]) {
        // Logging out would end the session the next routes use; its permission is 'self' (all roles).
        if (route.url.endsWith('/auth/logout')) continue;
        const response = await inject(t.bearer(role));
        const label = `${role} ${route.method} ${route.url} -> ${response.statusCode} ${response.body.slice(0, 120)}`;
        if (allows(role, permission)) expect([401, 403], label).not.toContain(response.statusCode);
        else expect(response.statusCode, label).toBe(403);
        expect(response.statusCode, label).toBeLessThan(500);
      }
    }
  });

  it('malformed bodies on every route with a body (fuzzed) → 4xx, never 5xx, nothing written', async () => {
    const counts = async (): Promise<Record<string, unknown>> =>
      Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, (await ctx.store.query(`select count(*)::int as n from ${table}`)).rows[0]?.['n']] as const)));
    const routes = t.app.routePermissions.filter((route) => route.hasBody);
    expect(routes.length).toBeGreaterThan(8);
    // Malformed by construction: raw text that is rarely JSON, JSON that is not an object, or an
    // object carrying a key no schema allows (every body schema refuses additional properties).
    const malformed = fc.oneof(
      fc.string({ maxLength: 60 }).map((text) => ({ raw: text })),
      fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.string()).map((json) => ({ raw: JSON.stringify(json) })),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((object) => ({ raw: JSON.stringify({ ...object, 'not-a-field\u0000': 1 }) })),
    );
    const before = await counts();
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(malformed, async ({ raw }) => {
          const response = await t.app.inject({ method: route.method as 'POST', url: concrete(route.url), headers: { ...t.bearer('admin'), 'content-type': 'application/json' }, payload: raw });
          expect(response.statusCode, `${route.method} ${route.url} ${raw.slice(0, 60)} -> ${response.body.slice(0, 120)}`).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(500);
        }),
        { numRuns: 25, seed: 12 },
      );
    }
    expect(await counts()).toEqual(before);
  });
});
