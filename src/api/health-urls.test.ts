import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { Readiness } from './readiness.ts';
import { createTestApp, type TestApp } from './test-app.ts';

/**
 * /health's detail is readable by any viewer and any viewer API key: the RPC endpoints it names
 * (readiness, the engine's endpoint health, errors that quote a URL) show their origin only —
 * providers put the account's key in the path, the query or the user info.
 */

const SECRET_URL = 'https://orion:pw-Zq81@eth.provider.example:8443/v2/KEY-7f3a9c?apikey=QK55';
const SECRETS = ['KEY-7f3a9c', 'pw-Zq81', 'QK55', 'orion:'];

forEachBackend('/health URLs', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    const readiness = new Readiness();
    readiness.expect('database');
    readiness.markReady('database', 'test');
    readiness.expect('chain');
    readiness.markReady('chain', SECRET_URL);
    t = await createTestApp(ctx.store, {
      app: {
        readiness,
        details: () => ({ engine: { endpoints: [{ url: SECRET_URL, lastError: `request to ${SECRET_URL} failed, reason: timeout`, quarantined: null }] } }),
      },
    });
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('a signed-in viewer sees each endpoint by its origin, never its key, password or query', async () => {
    const health = await t.app.inject({ url: '/health', headers: t.bearer('viewer') });
    expect(health.statusCode).toBe(200);
    for (const secret of SECRETS) expect(health.body).not.toContain(secret);
    const origin = new URL(SECRET_URL).origin;
    const body = health.json() as { checks: { name: string; detail?: string }[]; engine: { endpoints: { url: string; lastError: string }[] } };
    expect(body.checks.find((c) => c.name === 'chain')?.detail).toBe(origin);
    expect(body.engine.endpoints[0]).toMatchObject({ url: origin, lastError: `request to ${origin} failed, reason: timeout` });
  });
});
