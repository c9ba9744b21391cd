import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../../src/auth/totp.ts';
import { formatTokenAmount } from '../../src/format/token-amount.ts';
import { browserAvailable, launchBrowser, watchConsole } from './browser.ts';
import { startOrion, waitFor, type Started } from './orion-process.ts';

/**
 * The dashboard in Debian's Chromium against the real platform (`orion start`: local chain,
 * engine, API) on a free port with a fixed flow seed. One platform and one browser for the
 * file. Screenshots of every screen at 1280×800 and 390 px wide go to test-output/dashboard/.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'test-output', 'dashboard');
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const run = browserAvailable();
let started: Started;
let url = '';
let dataDir = '';
let browser: Browser;

/** The session's access token as the page holds it (sessionStorage). */
async function tokenOf(page: Page): Promise<string> {
  // Expressions as strings: they run in the page, whose globals the Node types do not know.
  const session = (await page.evaluate("sessionStorage.getItem('orion.session')")) as string | null;
  return (JSON.parse(session ?? '{}') as { accessToken?: string }).accessToken ?? '';
}

async function api(path: string, headers: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}${path}`, { ...init, headers: { ...headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) } });
}

/** Opens `screen` (#/id) and waits for its heading. */
async function open(page: Page, screen: string, heading: string): Promise<void> {
  await page.goto(`${url}/#/${screen}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.getByText(/^Loading /).first().waitFor({ state: 'detached' });
}

/** Both widths: a screenshot each, and no sideways scrolling of the page at 390 px. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.screenshot({ path: join(SHOTS, size.name, `${name}.png`), fullPage: true });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow, `${name} scrolls sideways at ${size.width} px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(!run)('dashboard in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(join(SHOTS, 'desktop'), { recursive: true });
    mkdirSync(join(SHOTS, 'phone'), { recursive: true });
    // What `npm start` does first: build the dashboard when it is missing or stale.
    // In a child process awaited, never a synchronous call: a build of a minute would block this
    // worker past vitest's 60 s RPC timeout ('Timeout calling "onTaskUpdate"').
    await new Promise<void>((resolve, reject) => {
      const build = spawn(process.execPath, [join(ROOT, 'web', 'build-if-stale.mjs')], { stdio: 'inherit' });
      build.on('error', reject);
      build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`web/build-if-stale.mjs exited with ${code}`))));
    });
    dataDir = mkdtempSync(join(tmpdir(), 'orion-dashboard-'));
    started = startOrion({ PORT: '0', ORION_DATA_DIR: dataDir, ORION_FLOW_SEED: '17', ORION_BACKUP_INTERVAL: '0', ORION_MAINTENANCE_INTERVAL: '20' });
    url = await waitFor('the URL', async () => started.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1], 60_000, started);
    // The screens read /health, which answers 503 (a console error) until everything is up.
    await waitFor("/readyz 200", async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 300_000, started);
    browser = await launchBrowser();
    // A cold local chain on a loaded 2-core machine can take minutes: a hang guard, not a target.
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    started?.child.kill('SIGTERM');
    await started?.exited;
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in the first admin with MFA enrolment, shows every screen at both widths, and keeps a viewer away from the controls', async () => {
    const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await admin.newPage();
    const adminErrors = watchConsole(page);

    // ── Login, then the MFA enrolment every admin owes at first login.
    await page.goto(url);
    await page.getByRole('heading', { name: 'Orion' }).waitFor();
    await shoot(page, 'login');
    const password = /password: (\S+)/.exec(readFileSync(join(dataDir, 'admin-credentials.txt'), 'utf8'))?.[1] ?? '';
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const qr = page.getByRole('img', { name: 'QR code of the TOTP secret' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await shoot(page, 'mfa-enrolment');
    await page.getByLabel('Authenticator code').fill(totpAt(base32Decode(secret), Date.now() / 1000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('who').waitFor();
    expect(await page.getByTestId('who').textContent()).toBe('admin · admin');
    const adminToken = await tokenOf(page);
    const asAdmin = { authorization: `Bearer ${adminToken}` };

    // ── Overview: the mode banner and the checks agree with /health read independently.
    const health = (await (await api('/health', asAdmin)).json()) as { mode: string; checks: { name: string; state: string }[] };
    expect(health.mode).toBe('sim');
    await open(page, 'overview', 'Overview');
    expect(await page.getByTestId('mode-banner').textContent()).toMatch(/^SIM/);
    await page.getByTestId('platform-status').filter({ hasText: /^ready$/ }).waitFor();
    for (const check of health.checks) await page.getByText(`${check.name}: ${check.state}`).waitFor();
    await page.getByRole('heading', { name: 'Funnel' }).waitFor();
    await shoot(page, 'overview');

    // ── Opportunities, live: a row from a block newer than anything the page loaded from the
    // ledger can only have come over /ws; wait for one whose simulation arrived too. The noise
    // flow (fixed seed) opens the price gaps on the local chain.
    await open(page, 'opportunities', 'Opportunities');
    await page.getByTestId('live-status').filter({ hasText: /Live: connected;/ }).waitFor();
    const table = page.getByTestId('opportunities-table');
    const loadedBlocks = (await table.locator('tbody tr td:nth-child(2)').allTextContents().catch(() => [])).map(Number);
    const newest = Math.max(0, ...loadedBlocks);
    await expect
      .poll(async () => {
        for (const row of await table.locator('tbody tr').all()) {
          const block = Number(await row.locator('td').nth(1).textContent());
          const simulated = await row.getByTestId('simulation-cell').locator('.pill').count();
          if (block > newest && simulated > 0) return (await row.getAttribute('data-route')) ?? '';
        }
        return '';
      }, { timeout: 180_000, interval: 1_000 })
      .not.toBe('');
    const frames = (await page.evaluate('window.__orionLive?.frames ?? 0')) as number;
    expect(frames).toBeGreaterThan(0);
    const ledger = (await (await api('/api/v1/opportunities?limit=200', asAdmin)).json()) as { rows: { route: string; lastBlock: string }[] };
    expect(ledger.rows.some((row) => Number(row.lastBlock) > newest)).toBe(true);
    await shoot(page, 'opportunities');

    await open(page, 'executions', 'Executions');
    await page.getByText(/No execution yet/).waitFor();
    await shoot(page, 'executions');
    // The risk panel shows the maintenance job's latest snapshot (every 20 s here), read independently.
    const risk = await waitFor('a sim risk snapshot', async () => {
      const body = (await (await api('/api/v1/risk?mode=sim', asAdmin)).json()) as { snapshots: { trades: number; token: { symbol: string } | null }[] };
      return body.snapshots[0];
    }, 180_000, started);
    // USD through the default reference pool (ORION_USD_REFERENCE_POOLS=WETH=v3:USDC:3000, a pool of the default market):
    // WETH's snapshots have USD figures; other base tokens have none, with the reason.
    const all = (await (await api('/api/v1/risk?window=all', asAdmin)).json()) as { snapshots: { token: { symbol: string } | null; usd: { token: { symbol: string } } | null; usdReason: string | null }[] };
    for (const s of all.snapshots.filter((x) => x.token !== null)) {
      if (s.token!.symbol === 'WETH') expect(s).toMatchObject({ usd: { token: { symbol: 'USDC' } }, usdReason: null });
      else expect(s.usdReason).toMatch(/no USD reference pool is configured for this token/);
    }
    // The P&L headline is the API's net (gross − gas) of the running mode, per base token, summed
    // here from the very rows the page last received (it refreshes every 15 s), and its drawdown
    // at the days' closes.
    type PnlRowBody = { mode: string; period: string; token: { address: string; symbol: string; decimals: number | null }; net: { raw: string } };
    const pnlAnswers: Promise<{ rows: PnlRowBody[] }>[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/v1/pnl?group=day') && r.status() === 200) pnlAnswers.push(r.json() as Promise<{ rows: PnlRowBody[] }>);
    });
    const headlinesOf = (rows: PnlRowBody[]): string[] => [...new Set(rows.filter((r) => r.mode === 'sim').map((r) => r.token.address))].map((address) => {
      const days = rows.filter((r) => r.mode === 'sim' && r.token.address === address).sort((a, b) => a.period.localeCompare(b.period));
      const { symbol, decimals } = days[0]!.token;
      let net = 0n;
      let peak = 0n;
      let drawdown = 0n;
      for (const day of days) {
        net += BigInt(day.net.raw);
        peak = net > peak ? net : peak;
        drawdown = peak - net > drawdown ? peak - net : drawdown;
      }
      const shown = (v: bigint): string => (decimals === null ? `${v} base units of ${symbol} (decimals unknown)` : `${formatTokenAmount(v, decimals)} ${symbol}`);
      return `SIM net (${symbol}): ${shown(net)}, max drawdown ${shown(drawdown)}`;
    }).sort();
    await open(page, 'pnl', 'P&L');
    await page.getByTestId('pnl-table').waitFor();
    await expect.poll(async () => {
      const last = await pnlAnswers.at(-1);
      if (last === undefined || !last.rows.some((r) => r.mode === 'sim')) return 'no SIM P&L rows yet';
      const shown = (await page.getByTestId('equity-headline').allTextContents()).sort();
      return JSON.stringify(shown) === JSON.stringify(headlinesOf(last.rows)) ? 'as the API' : `${JSON.stringify(shown)} ≠ ${JSON.stringify(headlinesOf(last.rows))}`;
    }, { timeout: 30_000, interval: 500 }).toBe('as the API');
    const simRisk = page.getByTestId('risk-sim');
    expect(await simRisk.getByRole('heading').textContent()).toContain(`SIM · ${risk.token?.symbol ?? 'no token'} · ${risk.trades.toLocaleString('en-US')} trades`);
    for (const term of ['VaR 95 % / 99 %', 'Expected shortfall 95 % / 99 %', 'Sharpe / Sortino', 'Win rate', 'Slippage mean / p95']) await simRisk.getByText(term, { exact: true }).waitFor();
    await shoot(page, 'pnl');
    await open(page, 'pools', 'Pools');
    await page.getByTestId('pools-table').waitFor();
    await shoot(page, 'pools');

    // ── Users: add a viewer; the one-time password is shown once.
    await open(page, 'users', 'Users');
    await page.getByLabel('Username').fill('vera');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    const oneTime = (await page.getByTestId('secret-once').textContent()) ?? '';
    expect(oneTime.length).toBeGreaterThanOrEqual(12);
    await page.getByRole('cell', { name: 'vera', exact: true }).waitFor();
    const users = (await (await api('/api/v1/users', asAdmin)).json()) as { users: { username: string; role: string; mustChangePassword: boolean }[] };
    expect(users.users.find((u) => u.username === 'vera')).toMatchObject({ role: 'viewer', mustChangePassword: true });
    await shoot(page, 'users');

    // ── API keys: create one; its secret works as that role (checked from outside the page).
    await open(page, 'api-keys', 'API keys');
    await page.getByLabel('Name').fill('scraper');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const keySecret = (await page.getByTestId('secret-once').textContent()) ?? '';
    const me = (await (await api('/api/v1/auth/me', { 'x-api-key': keySecret })).json()) as { kind: string; role: string };
    expect(me).toMatchObject({ kind: 'api-key', role: 'viewer' });
    await page.getByRole('cell', { name: 'scraper', exact: true }).waitFor();
    await shoot(page, 'api-keys');

    // ── Limits: change one, see the new version with its diff, roll it back; both versions in
    // the history, each checked against the API read independently.
    interface LimitsBody { version: number; limits: { key: string; value: string }[]; changes: { key: string; old: string | null; new: string | null }[] }
    const limitsBefore = (await (await api('/api/v1/limits', asAdmin)).json()) as LimitsBody;
    const gasBefore = limitsBefore.limits.find((l) => l.key === 'max_gas_price')?.value;
    expect(gasBefore).toBeDefined();
    const v0 = limitsBefore.version;
    await open(page, 'limits', 'Limits');
    const limitsTable = page.getByTestId('limits-table');
    await limitsTable.getByText(new RegExp(`^Version ${v0},`)).waitFor();
    await page.getByLabel(/^Changes/).fill('max_gas_price=4321gwei');
    await page.getByLabel('Comment').fill('e2e: raise the gas cap');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await limitsTable.getByText(new RegExp(`^Version ${v0 + 1},`)).waitFor();
    expect(await limitsTable.locator('tr[data-key="max_gas_price"] td').nth(1).textContent()).toMatch(/^4,?321 gwei$/);
    const history = page.getByTestId('limits-history');
    await history.locator(`tr[data-version="${v0 + 1}"]`).getByText(/max_gas_price: .* → 4,?321 gwei/).waitFor();
    await history.locator(`tr[data-version="${v0}"]`).getByRole('button', { name: `Roll back to v${v0}` }).click();
    const rollbackDialog = page.getByRole('dialog', { name: `Roll back to version ${v0}?` });
    await rollbackDialog.getByLabel('Comment').fill('e2e: back again');
    await rollbackDialog.getByRole('button', { name: `Roll back to v${v0}` }).click();
    await rollbackDialog.waitFor({ state: 'detached' });
    await limitsTable.getByText(new RegExp(`^Version ${v0 + 2},`)).waitFor();
    await history.locator(`tr[data-version="${v0 + 2}"]`).getByText(/max_gas_price: 4,?321 gwei → /).waitFor();
    await history.locator(`tr[data-version="${v0 + 1}"]`).waitFor();
    const limitVersions = ((await (await api('/api/v1/limits/history', asAdmin)).json()) as { versions: LimitsBody[] }).versions;
    // Each change as stored (the API adds a `shown` line for people beside it).
    expect(limitVersions.slice(0, 2).map((v) => [v.version, v.changes.map(({ key, old, new: next }) => ({ key, old, new: next }))])).toEqual([
      [v0 + 2, [{ key: 'max_gas_price', old: '4321000000000', new: gasBefore }]],
      [v0 + 1, [{ key: 'max_gas_price', old: gasBefore, new: '4321000000000' }]],
    ]);
    const limitsAfter = (await (await api('/api/v1/limits', asAdmin)).json()) as LimitsBody;
    expect(limitsAfter.limits.find((l) => l.key === 'max_gas_price')?.value).toBe(gasBefore);
    await shoot(page, 'limits');

    // A string in `hasText` matches case-insensitively as a substring ("released — never engaged"
    // contains "ENGAGED"): the states are matched by case-sensitive patterns anchored at the start.
    // ── Controls: engage and release the kill switch, each through its confirmation with a reason
    // (the API's state read independently); the mode dialog's pre-flight checks; a contract
    // control refused with 409 (this instance holds no owner key) after a fresh TOTP code.
    await open(page, 'controls', 'Controls');
    const killState = page.getByTestId('kill-switch-state');
    await killState.filter({ hasText: /^released/ }).waitFor();
    await page.getByRole('button', { name: 'Engage kill switch…' }).click();
    const engageDialog = page.getByRole('dialog', { name: 'Engage the kill switch?' });
    await shoot(page, 'kill-switch-confirm');
    await engageDialog.getByLabel(/^Reason/).fill('e2e drill: stop everything');
    await engageDialog.getByRole('button', { name: 'Engage', exact: true }).click();
    await killState.filter({ hasText: /^ENGAGED/ }).waitFor();
    expect(await (await api('/api/v1/controls/kill-switch', asAdmin)).json()).toMatchObject({ engaged: true, reason: 'e2e drill: stop everything', via: 'api' });
    await page.getByText('Reason: e2e drill: stop everything').waitFor();
    await shoot(page, 'controls-engaged');
    await page.getByRole('button', { name: 'Release kill switch…' }).click();
    const releaseDialog = page.getByRole('dialog', { name: 'Release the kill switch?' });
    await releaseDialog.getByLabel(/^Reason/).fill('e2e drill: all clear');
    await releaseDialog.getByRole('button', { name: 'Release', exact: true }).click();
    await killState.filter({ hasText: /^released — released by / }).waitFor();
    expect(await (await api('/api/v1/controls/kill-switch', asAdmin)).json()).toMatchObject({ engaged: false, reason: 'e2e drill: all clear' });

    await page.getByRole('button', { name: 'Open mode dialog' }).click();
    const modeDialog = page.getByRole('dialog', { name: 'Execution mode' });
    await modeDialog.getByTestId('mode-status').filter({ hasText: /SIM/ }).waitFor();
    await modeDialog.getByRole('button', { name: 'Validate live mode' }).click();
    await modeDialog.getByTestId('mode-checks').or(modeDialog.getByRole('alert')).waitFor({ timeout: 120_000 });
    const checks = modeDialog.getByTestId('mode-checks');
    expect(await checks.count(), (await modeDialog.getByRole('alert').allTextContents()).join(' ')).toBe(1);
    const mode = (await (await api('/api/v1/mode', asAdmin)).json()) as { lastValidation: { passed: boolean; failed: string[] } | null };
    // The API records each failed check as "name: detail"; the dialog shows "✘ fail name: detail".
    const failedShown = (await checks.locator('li').filter({ hasText: '✘ fail' }).allTextContents()).map((line) => line.replace(/^✘ fail /, '')).sort();
    expect(failedShown).toEqual([...(mode.lastValidation?.failed ?? ['(no validation recorded)'])].sort());
    expect(await checks.locator('li').count()).toBeGreaterThan(0);
    await shoot(page, 'mode-dialog');
    // The switch form: the typed confirmation is checked before anything is sent; then the API
    // takes it and refuses the wrong code (403), and the mode stays sim.
    await modeDialog.getByRole('combobox', { name: /^Switch to/ }).selectOption('live');
    const typed = modeDialog.getByLabel('Type SWITCH TO LIVE to confirm');
    await typed.fill('switch to live');
    await modeDialog.getByLabel('TOTP code (fresh)').fill('000000');
    await modeDialog.getByRole('button', { name: 'Switch to live' }).click();
    await modeDialog.getByText('Type “SWITCH TO LIVE” exactly to switch to live.').waitFor();
    const errorsBeforeSwitch = adminErrors.length;
    await typed.fill('SWITCH TO LIVE');
    await modeDialog.getByRole('button', { name: 'Switch to live' }).click();
    await modeDialog.getByRole('alert').filter({ hasText: /mode switch to live needs a fresh TOTP code: .*\(403\)$/ }).waitFor();
    expect(adminErrors.splice(errorsBeforeSwitch)).toEqual([expect.stringMatching(/status of 403 \(Forbidden\)$/)]);
    expect(((await (await api('/api/v1/mode', asAdmin)).json()) as { mode: string }).mode).toBe('sim');
    await modeDialog.getByRole('button', { name: 'Close' }).click();

    const errorsBefore = adminErrors.length;
    await page.getByLabel('TOTP code (fresh)').fill(totpAt(base32Decode(secret), Date.now() / 1000 + 30));
    await page.getByRole('button', { name: 'Pause contract', exact: true }).click();
    const refused = page.getByTestId('contract-error');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Refused \(409\): no owner key/);
    // Chromium logs the refused request itself as a console error: that one, and only it, is expected.
    expect(adminErrors.splice(errorsBefore)).toEqual([expect.stringMatching(/status of 409 \(Conflict\)$/)]);
    await shoot(page, 'controls');

    // ── Audit: the chain verifies, and what was just done is there, filterable by type.
    await open(page, 'audit', 'Audit log');
    await page.getByTestId('audit-verified').waitFor();
    const auditTable = page.getByTestId('audit-table');
    for (const type of ['user.added', 'api_key.created', 'api_key.used', 'auth.mfa.enrolled']) {
      const audited = (await (await api(`/api/v1/compliance/audit?type=${type}`, asAdmin)).json()) as { rows: unknown[] };
      if (audited.rows.length > 0) await auditTable.getByText(type, { exact: true }).first().waitFor();
    }
    await auditTable.getByText('user.added', { exact: true }).first().waitFor();
    await page.getByLabel('Event type').fill('api_key.created');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => [...new Set(await auditTable.locator('tbody td:nth-child(3)').allTextContents())]).toEqual(['api_key.created']);
    // The kill switch drill and the limits' change and rollback, by type.
    for (const type of ['limits.set', 'limits.rollback', 'kill-switch.engage', 'kill-switch.release']) {
      await page.getByLabel('Event type').fill(type);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(async () => [...new Set(await auditTable.locator('tbody td:nth-child(3)').allTextContents())]).toEqual([type]);
    }
    await auditTable.getByText(/e2e drill: all clear/).waitFor();
    await shoot(page, 'audit');

    await open(page, 'health', 'Health');
    await page.getByRole('table', { name: /RPC endpoints/ }).waitFor();
    // The hot key's gas money as /health reads it from the chain, shown only in sim.
    const gas = ((await (await api('/health', asAdmin)).json()) as { protections: { gasMoney: { account: string; enforced: boolean } | null } }).protections.gasMoney;
    expect(gas?.enforced).toBe(false);
    await page.getByText(`hot key ${gas!.account}`).waitFor();
    await page.getByText(/\(sim: shown only\)/).waitFor();
    await shoot(page, 'health');
    await open(page, 'account', 'My account');
    await shoot(page, 'account');

    // ── A viewer: first login replaces the one-time password; no admin screen, no control.
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewerPage = await viewer.newPage();
    const viewerErrors = watchConsole(viewerPage);
    await viewerPage.goto(url);
    await viewerPage.getByLabel('Username').fill('vera');
    await viewerPage.getByLabel('Password').fill(oneTime);
    await viewerPage.getByRole('button', { name: 'Sign in' }).click();
    await viewerPage.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
    await viewerPage.getByLabel('New password again').fill('correct horse battery staple');
    await viewerPage.getByRole('button', { name: 'Set password' }).click();
    await viewerPage.getByTestId('who').waitFor();
    expect(await viewerPage.getByTestId('who').textContent()).toBe('vera · viewer');
    const links = await viewerPage.getByRole('navigation', { name: 'screens' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Overview', 'Opportunities', 'Executions', 'P&L', 'Limits', 'Controls', 'Pools', 'Health', 'My account']);
    await open(viewerPage, 'overview', 'Overview');
    expect(await viewerPage.getByRole('button', { name: /disable|revoke|kill|switch|engage|release|rollback|pause|withdraw/i }).count()).toBe(0);
    await shoot(viewerPage, 'viewer-overview');
    // Limits and controls: read, nothing to change.
    const forbidden = /disable|revoke|kill switch|switch to|engage|release|roll back|pause|withdraw|save|validate/i;
    await open(viewerPage, 'limits', 'Limits');
    await viewerPage.getByTestId('limits-history').waitFor();
    expect(await viewerPage.getByRole('button', { name: forbidden }).count()).toBe(0);
    expect(await viewerPage.getByLabel(/^Changes/).count()).toBe(0);
    await open(viewerPage, 'controls', 'Controls');
    await viewerPage.getByTestId('kill-switch-state').waitFor();
    await viewerPage.getByRole('button', { name: 'Open mode dialog' }).click();
    await viewerPage.getByRole('dialog', { name: 'Execution mode' }).getByTestId('mode-status').waitFor();
    expect(await viewerPage.getByRole('button', { name: forbidden }).count()).toBe(0);
    expect(await viewerPage.getByLabel('TOTP code (fresh)').count()).toBe(0);
    await shoot(viewerPage, 'viewer-controls');
    await viewerPage.goto(`${url}/#/users`);
    await viewerPage.getByText('There is no screen “users” for the role viewer').waitFor();

    // Forcing the API past the hidden controls: refused by the server, not only by the UI.
    const asViewer = { authorization: `Bearer ${await tokenOf(viewerPage)}` };
    expect((await api('/api/v1/users', asViewer)).status).toBe(403);
    expect((await api('/api/v1/controls/kill-switch/engage', asViewer, { method: 'POST', body: JSON.stringify({ reason: 'a viewer tries' }) })).status).toBe(403);
    expect((await api('/api/v1/limits', asViewer, { method: 'PUT', body: JSON.stringify({ set: ['max_gas_price=1gwei'] }) })).status).toBe(403);
    expect((await api('/api/v1/compliance/audit', asViewer)).status).toBe(403);
    expect((await api('/api/v1/api-keys', asViewer, { method: 'POST', body: JSON.stringify({ name: 'x', role: 'admin', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }) })).status).toBe(403);

    expect([...adminErrors, ...viewerErrors]).toEqual([]);
    await viewer.close();
    await admin.close();
  });
});
