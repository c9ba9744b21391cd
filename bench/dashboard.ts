import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../src/api/app.ts';
import { Readiness } from '../src/api/readiness.ts';
import { ServiceGate } from '../src/api/services.ts';
import { createAuditLog } from '../src/audit/audit-log.ts';
import { generateCheckpointKey } from '../src/audit/checkpoint-key.ts';
import { createAuthService } from '../src/auth/auth-service.ts';
import { erasureJournal } from '../src/auth/erasure.ts';
import { createInProcessBus } from '../src/bus/index.ts';
import { migrate, openStore } from '../src/store/index.ts';
import { launchBrowser } from '../test/e2e/browser.ts';

// `npm run bench -- dashboard [runs] [seconds-per-rate]`: the dashboard in Debian's headless
// Chromium against the real API (PGlite, in-process bus) on loopback.
//  1. First load: bytes transferred (headers + bodies, cold cache) and time to interactive (the
//     login form usable, from navigation start), then the same for the desk after signing in.
//  2. Live updates: opportunity frames published on the bus at rising rates to the Opportunities
//     screen; per rate, frames the page applied, renders, and frames the browser dropped
//     (requestAnimationFrame gaps beyond one 60 Hz frame). Prints one JSON line per figure.
const runs = Number(process.argv[2] ?? 5);
const secondsPerRate = Number(process.argv[3] ?? 5);
// Rate 0 first: the frames this machine drops with the screen open and nothing arriving (the baseline).
const RATES = [0, 25, 50, 100, 200, 400, 800, 1600];

execFileSync(process.execPath, [join(import.meta.dirname, '..', 'web', 'build-if-stale.mjs')], { stdio: 'inherit' });
const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-dashboard-'));
const store = await openStore({ dataDir });
await migrate(store);
const audit = createAuditLog(store, generateCheckpointKey().key);
const auth = createAuthService(store, audit, { issuer: 'orion', audience: 'orion-api', ttlSeconds: 900, refreshTtlSeconds: 3600 });
const gate = new ServiceGate();
gate.open({ store, auth, audit, erasures: erasureJournal(dataDir) });
const readiness = new Readiness();
const bus = createInProcessBus();
const app = buildApp({ readiness, gate, bus, http: { rateLimit: 100_000_000, authRateLimit: 100_000_000, logLevel: 'silent' } });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
const PASSWORD = 'bench password 12';
await auth.users.add({ username: 'bench', role: 'viewer', password: PASSWORD, mustChangePassword: false });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ bench: 'dashboard', ...line })}\n`);

/** Bytes of every response the page received (headers and bodies as sent). */
function countBytes(page: Page): { total: () => number; settle: () => Promise<void> } {
  let total = 0;
  const pending: Promise<void>[] = [];
  page.on('requestfinished', (request) => {
    pending.push(request.sizes().then((sizes) => void (total += sizes.responseBodySize + sizes.responseHeadersSize)));
  });
  return { total: () => total, settle: async () => void (await Promise.all(pending)) };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('bench');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

let browser: Browser | undefined;
try {
  browser = await launchBrowser();
  // ── 1. First load, cold cache each run.
  const login: { bytes: number; ttiMs: number; dclMs: number }[] = [];
  const desk: { bytes: number; ms: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const bytes = countBytes(page);
    await page.goto(base);
    await page.getByLabel('Username').waitFor();
    const tti = (await page.evaluate('performance.now()')) as number;
    const dcl = (await page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")) as number;
    await bytes.settle();
    login.push({ bytes: bytes.total(), ttiMs: tti, dclMs: dcl });
    const before = bytes.total();
    const started = Date.now();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText(/^Loading /).first().waitFor({ state: 'detached' });
    await bytes.settle();
    desk.push({ bytes: bytes.total() - before, ms: Date.now() - started });
    await context.close();
  }
  print({ figure: 'first-load-login', runs, bytes: median(login.map((r) => r.bytes)), timeToInteractiveMs: Math.round(median(login.map((r) => r.ttiMs))), domContentLoadedMs: Math.round(median(login.map((r) => r.dclMs))), note: 'cold cache, loopback: navigation start to the login form usable' });
  print({ figure: 'first-load-desk', runs, bytes: median(desk.map((r) => r.bytes)), signInToOverviewMs: median(desk.map((r) => r.ms)), note: 'sign-in click to the overview rendered with its data (argon2id login included)' });

  // ── 2. Live updates on the Opportunities screen.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(base);
  await signIn(page);
  await page.goto(`${base}/#/opportunities`);
  await page.getByTestId('live-status').filter({ hasText: 'connected' }).waitFor();
  // A frame monitor in the page: every requestAnimationFrame gap longer than 1.5 frames drops frames.
  await page.evaluate(`(() => {
    const m = { frames: 0, dropped: 0, last: performance.now() };
    window.__frameMonitor = m;
    const tick = (now) => { const gap = now - m.last; m.frames++; if (gap > 25) m.dropped += Math.round(gap / 16.667) - 1; m.last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  let block = 1000;
  let sent = 0;
  for (const rate of RATES) {
    const before = (await page.evaluate('({ monitor: { ...window.__frameMonitor }, live: { ...(window.__orionLive ?? { frames: 0, renders: 0 }) } })')) as { monitor: { frames: number; dropped: number }; live: { frames: number; renders: number } };
    const total = rate * secondsPerRate;
    const started = performance.now();
    if (rate === 0) await new Promise((resolve) => setTimeout(resolve, secondsPerRate * 1000));
    for (let i = 0; i < total; i++) {
      // Paced by the clock, not by sleeps per message: catch up in bursts of what is due.
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 4) await new Promise((resolve) => setTimeout(resolve, wait));
      block++;
      const key = `route-${i % 400}`;
      await bus.publish('opportunities', {
        mode: 'sim', block: String(block),
        opportunities: [{ routeKey: key, route: `WETH>T${i % 400}>WETH`, pools: [`0x${(i % 400).toString(16).padStart(40, '0')}`], tokens: ['0x3aa5ebb10dc797cac828524e59a333d0a371443c'], block: String(block), flashSource: { kind: 'v3-flash', feePips: 100 }, view: { amountIn: { raw: String(10n ** 18n + BigInt(i)), display: '1 WETH' }, netProfit: { raw: String(10n ** 15n + BigInt(i)), display: '0.001 WETH' } } }],
      });
      sent++;
    }
    const elapsed = (performance.now() - started) / 1000;
    // Let the last frames land, then read the counters.
    await page.waitForFunction(`(window.__orionLive?.frames ?? 0) >= ${sent}`, undefined, { timeout: 30_000 }).catch(() => undefined);
    await page.waitForTimeout(200);
    const after = (await page.evaluate('({ monitor: { ...window.__frameMonitor }, live: { ...(window.__orionLive ?? { frames: 0, renders: 0 }) } })')) as typeof before;
    const frames = after.monitor.frames - before.monitor.frames;
    const dropped = after.monitor.dropped - before.monitor.dropped;
    print({
      figure: 'live-opportunities', rateAsked: rate, rateSent: Math.round(total / elapsed), seconds: Number(elapsed.toFixed(2)),
      applied: after.live.frames - before.live.frames, sent: total, renders: after.live.renders - before.live.renders,
      animationFrames: frames, droppedFrames: dropped, droppedShare: Number((dropped / Math.max(1, frames + dropped)).toFixed(4)),
    });
  }
  await context.close();
} finally {
  await browser?.close();
  await app.close();
  await bus.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
