import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { Readiness } from '../readiness.ts';

// The dashboard's static routes over a folder made here (not the real build: this test must not
// depend on whether `npm run build` ran).
const root = mkdtempSync(join(tmpdir(), 'orion-dashboard-static-'));
const dist = join(root, 'dist');
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Orion</title><script type="module" src="/assets/app-abc123.js"></script>');
writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log("orion")');
writeFileSync(join(root, 'secret.txt'), 'outside the build');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard plugin', () => {
  const app = buildApp({ readiness: new Readiness(), dashboardDir: dist });
  afterAll(() => app.close());

  it('serves index.html at / (never cached) and hashed assets cached for a year, with the security headers', async () => {
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(index.body).toContain('/assets/app-abc123.js');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log("orion")');
  });

  it('answers 404 for a missing asset and never serves a file outside the build', async () => {
    expect((await app.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode).toBe(404);
    for (const url of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.body).not.toContain('outside the build');
    }
  });

  it('says how to build it when the build is missing', async () => {
    const bare = buildApp({ readiness: new Readiness(), dashboardDir: join(root, 'not-built') });
    const response = await bare.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await bare.close();
  });
});
