import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createTestApp, type TestApp } from './test-app.ts';

/**
 * ORION_TRUST_PROXY: the client address is read through the proxies the operator runs, never
 * through every hop — with every hop trusted, the left-most X-Forwarded-For entry (which the
 * client writes itself) decides the address: it passes the /metrics allow list, resets the
 * per-address rate limits and forges the audit trail's addresses.
 */

const PROXY = '192.168.1.10';
const ALLOWED = '10.0.0.7';
const REAL_CLIENT = '198.51.100.9';
const settingOf = (value: string) => loadConfig({ ORION_TRUST_PROXY: value }, { cwd: process.cwd() }).trustProxy;

it('parses off, on (this host and private networks) and the proxies; refuses a hop count and anything else by name', () => {
  expect(settingOf('off')).toBe(false);
  expect(settingOf('on')).toEqual(['loopback', 'uniquelocal']);
  expect(settingOf(`${PROXY}, 10.1.0.0/16, ::1, Loopback`)).toEqual([PROXY, '10.1.0.0/16', '::1', 'loopback']);
  expect(() => settingOf('2')).toThrow(/ORION_TRUST_PROXY.*hop count/);
  expect(() => settingOf('10.1.0.0/33')).toThrow(/ORION_TRUST_PROXY.*10\.1\.0\.0\/33/);
  expect(() => settingOf('proxy.example')).toThrow(/ORION_TRUST_PROXY.*proxy\.example/);
});

for (const [name, value] of [['on', 'on'], ['the proxy\'s address', PROXY]] as const) {
  forEachBackend(`ORION_TRUST_PROXY=${name}`, (ctx) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(ctx.store, { http: { metricsAllow: [ALLOWED], trustProxy: settingOf(value) } });
    });
    afterAll(async () => {
      await t?.app.close();
    });

    it('a client cannot name its own address: the address our proxy saw decides', async () => {
      // The client sent "X-Forwarded-For: 10.0.0.7"; our proxy appended the address it saw.
      const forged = await t.app.inject({ url: '/metrics', remoteAddress: PROXY, headers: { 'x-forwarded-for': `${ALLOWED}, ${REAL_CLIENT}` } });
      expect(forged.statusCode).toBe(401);
      // The allow-listed scraper itself, through the same proxy.
      const scraper = await t.app.inject({ url: '/metrics', remoteAddress: PROXY, headers: { 'x-forwarded-for': ALLOWED } });
      expect(scraper.statusCode).toBe(200);
    });
  });
}
