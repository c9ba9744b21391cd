import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { codeAt, createTestApp, type TestApp } from '../api/test-app.ts';
import type { AuditJson } from '../audit/canonical.ts';
import type { Role } from '../auth/roles.ts';
import { createInProcessBus, type BusMessage, type EventBus } from '../bus/index.ts';
import { EXIT_BAD_INPUT, EXIT_FAILURE } from '../cli.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { seedLimits } from '../orchestrator/limits.ts';
import { openProtections, type Protections } from '../risk-controls/protections-service.ts';
import { forEachBackend } from '../store/test-store.ts';
import type { SqlParam } from '../store/types.ts';
import { followProtectionChanges, publishProtectionChanges } from '../telemetry/protection-messages.ts';
import { readServerUrl, writeServerUrl } from '../ops/server-url.ts';
import { RECEIPT_TIMEOUT_MS } from '../controls/contract-controls.ts';
import { SERVER_ANSWER_TIMEOUT_MS } from './running-server.ts';
import { runCli as run } from './testing/run-cli.ts';

/**
 * The state-changing commands against a real server listening on loopback (the real app, real
 * protections and mode service over a real store, the in-process bus): through an API key or a
 * login, refusals as one line, and each change on the bus's `limits` channel (so on /ws).
 */

const WETH = `0x${'42'.repeat(20)}` as const;
const USDC = `0x${'a0'.repeat(20)}` as const;
const CHAIN = 31337;

forEachBackend('orion CLI → running server', (ctx) => {
  let t: TestApp;
  let bus: EventBus;
  let protections: Protections;
  let url: string;
  const folder = mkdtempSync(join(tmpdir(), 'orion-cli-server-'));
  const keys = {} as Record<Role, { id: string; secret: string }>;
  const saved = { ...process.env };

  beforeAll(async () => {
    for (const name of ['ORION_API_URL', 'ORION_API_KEY', 'ORION_USERNAME', 'ORION_PASSWORD']) delete process.env[name];
    await ctx.store.query(`insert into market_token (chain_id, address, symbol, decimals, decimals_known) values ($1, $2, 'WETH', 18, true), ($1, $3, 'USDC', 6, true)`, [CHAIN, WETH, USDC]);
    const tokens = new TokenDirectory([{ address: WETH, symbol: 'WETH', decimals: 18 }, { address: USDC, symbol: 'USDC', decimals: 6 }]);
    const session = await enterModeSession(ctx.store, 'sim', CHAIN);
    bus = createInProcessBus();
    // The audit log is the app's, so it exists only once the test app does (as in the platform, through the gate).
    let app: TestApp | undefined;
    protections = await openProtections({
      store: ctx.store, chainId: CHAIN, session: session.id, dataDir: folder, seed: seedLimits({}), tokens: () => tokens,
      onAudit: async (event, tx) => {
        await app?.audit.append({ type: event.type, ...(event.actor === 'engine' ? {} : { actor: event.actor }), details: event.details as Record<string, AuditJson> }, tx);
      },
      onChange: publishProtectionChanges(bus, { instance: 'server', status: () => protections.status() }),
    });
    t = app = await createTestApp(ctx.store, { app: { bus, controls: { protections: () => protections, tokens: () => tokens } } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    // API keys as an admin creates them, one per role.
    for (const role of ['viewer', 'trader', 'risk', 'admin'] as const) {
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: `cli ${role}`, role, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
      expect(created.statusCode).toBe(201);
      const body = created.json<{ apiKey: { id: string }; secret: string }>();
      keys[role] = { id: body.apiKey.id, secret: body.secret };
    }
  });
  afterAll(async () => {
    process.env = saved;
    await protections?.settle();
    await t?.app.close();
    await bus?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const rows = async (sql: string, params: SqlParam[] = []) => (await ctx.store.query(sql, params)).rows;
  /** The next `limits` message that satisfies `match`, as a /ws client signed in as a viewer receives it. */
  const nextOnWs = async (match: (data: Record<string, unknown>) => boolean): Promise<{ socket: WebSocket; message: Promise<BusMessage> }> => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws?channels=limits&access_token=${t.users.viewer.accessToken}`);
    const message = new Promise<BusMessage>((resolve) => {
      socket.on('message', (raw) => {
        const parsed = JSON.parse(raw.toString()) as BusMessage;
        if (parsed.channel === 'limits' && match(parsed.data as Record<string, unknown>)) resolve(parsed);
      });
    });
    // Subscribed once the server said hello.
    await new Promise<void>((resolve) => socket.once('message', () => resolve()));
    return { socket, message };
  };

  it('orion limits set with a risk API key: changed on the server, in token units, the audit log names the key, the change is on /ws', async () => {
    const ws = await nextOnWs((data) => data['type'] === 'limits.set');
    const result = await run(['limits', 'set', 'max_input.WETH=12.5', 'min_net_profit.USDC=3', '--comment', 'desk limits', '--server', url, '--api-key', keys.risk.secret]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const [key] = await rows('select pseudonym from auth_api_key where id = $1', [keys.risk.id]);
    const pseudonym = key!['pseudonym'] as string;
    expect(result.out).toMatch(new RegExp(`^version 2 \\(\\S+, by ${pseudonym}: desk limits\\)\\n`));
    expect(result.out).toMatch(/max_input\.WETH +\(none\) → 12\.5 WETH\n/);
    expect(result.out).toMatch(/min_net_profit\.USDC +\(none\) → 3 USDC\n/);
    // 12.5 WETH and 3 USDC in base units, from the decimals above.
    const [stored] = await rows('select limits, actor from limits where version = 2');
    expect(stored!['limits']).toMatchObject({ maxInput: { [WETH]: (125n * 10n ** 17n).toString() }, minNetProfit: { [USDC]: (3n * 10n ** 6n).toString() } });
    expect(protections.limits().version).toBe(2);
    const audit = await rows(`select type, actor, details from audit_log where type in ('limits.set', 'api_key.used') order by seq desc limit 2`);
    expect(audit[0]).toMatchObject({ type: 'limits.set', actor: pseudonym, details: { version: 2 } });
    expect(audit[1]).toMatchObject({ type: 'api_key.used', actor: pseudonym, details: { keyId: keys.risk.id, method: 'PUT', route: '/api/v1/limits' } });
    const message = await ws.message;
    expect(message.data).toMatchObject({ type: 'limits.set', actor: pseudonym, instance: 'server', limitsVersion: 2 });
    ws.socket.close();

    const rolled = await run(['limits', 'rollback', '--to', '1', '--server', url, '--api-key', keys.risk.secret]);
    expect(rolled.code).toBe(0);
    expect(rolled.out).toMatch(/^version 3 .*rollback to version 1/);
    expect(rolled.out).toMatch(/max_input\.WETH +12\.5 WETH → \(none\)\n/);
  });

  it('a viewer key is refused with one line naming the role, and nothing changes', async () => {
    const before = await rows('select count(*)::int as n from limits');
    const refused = await run(['limits', 'set', 'max_input.WETH=1', '--server', url, '--api-key', keys.viewer.secret]);
    expect(refused.code).toBe(EXIT_FAILURE);
    expect(refused.err).toBe('orion: refused by the server (403): role viewer may not PUT /api/v1/limits (needs limits.write); use an API key or account whose role may do it (src/auth/roles.ts)\n');
    expect(refused.out).toBe('');
    expect(await rows('select count(*)::int as n from limits')).toEqual(before);
    // A value the rules refuse: exit 2 with the server's reason, nothing written.
    const bad = await run(['limits', 'set', 'max_input.WETH=-3', '--server', url, '--api-key', keys.risk.secret]);
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.err).toBe('orion: the server refused the request: limit max_input.WETH must not be negative, got "-3"\n');
    const forged = await run(['limits', 'set', 'max_input.WETH=1', '--server', url, '--api-key', `${keys.risk.secret}x`]);
    expect(forged.err).toMatch(/^orion: the server at http:\/\/127\.0\.0\.1:\d+ did not accept the credentials \(invalid, expired or revoked API key\): check --api-key/);
    expect(await rows('select count(*)::int as n from limits')).toEqual(before);
  });

  it('orion kill-switch engage reaches the server (trader key) and a /ws subscriber on limits gets it; release needs risk; the file KILL is announced too', async () => {
    const engagedOnWs = await nextOnWs((data) => data['type'] === 'kill-switch.engage');
    const engaged = await run(['kill-switch', 'engage', '--reason', 'exchange hack', '--server', url, '--api-key', keys.trader.secret]);
    expect(engaged.err).toBe('');
    expect(engaged.out).toMatch(/^kill switch ENGAGED by \S+ at \S+: exchange hack\n$/);
    expect(protections.status().killSwitch).toMatchObject({ engaged: true, reason: 'exchange hack', via: 'api' });
    expect((await engagedOnWs.message).data).toMatchObject({ type: 'kill-switch.engage', details: { reason: 'exchange hack', via: 'api' }, killSwitch: { engaged: true } });
    engagedOnWs.socket.close();

    const traderRelease = await run(['kill-switch', 'release', '--reason', 'patched', '--server', url, '--api-key', keys.trader.secret]);
    expect(traderRelease.err).toContain('role trader may not POST /api/v1/controls/kill-switch/release');
    expect(protections.status().killSwitch?.engaged).toBe(true);
    const released = await run(['kill-switch', 'release', '--reason', 'patched', '--server', url, '--api-key', keys.risk.secret]);
    expect(released.out).toMatch(/^kill switch released by \S+ at \S+: patched\n$/);
    expect((await rows(`select engaged from kill_switch_events order by id`)).map((r) => r['engaged'])).toEqual([true, false]);

    const fromFile = await nextOnWs((data) => data['type'] === 'kill-switch.engage');
    writeFileSync(join(folder, 'KILL'), 'pulled by the on-call');
    protections.onBlock(100n);
    expect((await fromFile.message).data).toMatchObject({ type: 'kill-switch.engage', actor: 'operator (file)', details: { reason: 'pulled by the on-call', via: 'file' } });
    fromFile.socket.close();
    expect((await run(['kill-switch', 'release', '--reason', 'drill over', '--server', url, '--api-key', keys.risk.secret])).code).toBe(0);
  });

  it('orion breaker rearm through the server re-arms a tripped breaker once, announced on limits', async () => {
    await ctx.store.query(`insert into breaker_trips (breaker, reason, tripped_block, until_block) values ('daily-loss', 'lost 2 WETH', 100, null)`);
    await protections.refresh();
    const onWs = await nextOnWs((data) => data['type'] === 'breaker.rearm');
    const rearmed = await run(['breaker', 'rearm', 'daily-loss', '--reason', 'reviewed', '--server', url, '--api-key', keys.risk.secret]);
    expect(rearmed.out).toMatch(/^daily-loss re-armed by \S+ at \S+\n$/);
    expect(protections.status().breakers).toEqual([]);
    expect((await onWs.message).data).toMatchObject({ type: 'breaker.rearm', details: { breaker: 'daily-loss', reason: 'reviewed' } });
    onWs.socket.close();
    const again = await run(['breaker', 'rearm', 'daily-loss', '--reason', 'again', '--server', url, '--api-key', keys.risk.secret]);
    expect(again.code).toBe(EXIT_BAD_INPUT);
    expect(again.err).toBe('orion: the server refused the request: the daily-loss breaker is not tripped: nothing to re-arm\n');
  });

  it('orion mode switch: refused without --totp before anything is sent, refused for an API key, done for an admin login with a fresh code', async () => {
    const before = await rows(`select count(*)::int as n from audit_log`);
    const noTotp = await run(['mode', 'switch', 'sim', '--server', url, '--api-key', keys.admin.secret]);
    expect(noTotp.code).toBe(EXIT_BAD_INPUT);
    expect(noTotp.err).toBe('orion: the switch to sim through the server needs --totp CODE: a fresh code from your authenticator app (API keys cannot do it; sign in with --login)\n');
    expect(await rows(`select count(*)::int as n from audit_log`)).toEqual(before);
    const noConfirm = await run(['mode', 'switch', 'live', '--totp', '123456', '--server', url, '--api-key', keys.admin.secret]);
    expect(noConfirm.err).toBe('orion: switching to live needs the typed confirmation: --confirm "SWITCH TO LIVE"\n');

    const byKey = await run(['mode', 'switch', 'sim', '--totp', '123456', '--server', url, '--api-key', keys.admin.secret]);
    expect(byKey.code).toBe(EXIT_FAILURE);
    expect(byKey.err).toBe('orion: refused by the server (403): mode switch to sim needs a signed-in user with MFA and a fresh TOTP code; API keys cannot do it\n');

    const admin = t.users.admin;
    // Enrolment used this step's code: as if the admin had enrolled a while ago, so that the
    // login can use this step's code and the switch the next one.
    await ctx.store.query('update auth_user set last_totp_step = null where id = $1', [admin.id]);
    process.env['ORION_PASSWORD'] = admin.password;
    const liveSessions = async () => rows('select count(*)::int as n from auth_refresh_token where user_id = $1 and revoked_at is null', [admin.id]);
    const sessionsBefore = await liveSessions();
    try {
      const oneCode = await run(['mode', 'switch', 'sim', '--totp', codeAt(admin.totpSecret!), '--server', url, '--login', admin.username]);
      expect(oneCode.code).toBe(EXIT_BAD_INPUT);
      expect(oneCode.err).toContain(`signing in as ${admin.username} needs a TOTP code and the switch to sim a fresh one (each code is accepted once): pass --login-totp CODE`);
      // The login's code now, the action's the next step (accepted within ±1 step).
      const switched = await run(['mode', 'switch', 'sim', '--login-totp', codeAt(admin.totpSecret!), '--totp', codeAt(admin.totpSecret!, 1), '--server', url, '--login', admin.username]);
      expect(switched.err).toBe('');
      expect(JSON.parse(switched.out)).toMatchObject({ mode: 'sim', session: { mode: 'sim', chainId: CHAIN } });
      const [row] = await rows(`select type, actor from audit_log where type = 'mode.switch' order by seq desc limit 1`);
      const [user] = await rows('select pseudonym from auth_user where id = $1', [admin.id]);
      expect(row).toEqual({ type: 'mode.switch', actor: user!['pseudonym'] });
      // The CLI's session ended with the command: its refresh token is revoked.
      expect(await liveSessions()).toEqual(sessionsBefore);
      expect(await rows(`select count(*)::int as n from audit_log where type = 'auth.logout'`)).not.toEqual([{ n: 0 }]);
    } finally {
      delete process.env['ORION_PASSWORD'];
    }
  });

  it('orion user add / disable through the server with an admin key', async () => {
    const added = await run(['user', 'add', '--username', 'erin', '--role', 'trader', '--server', url, '--api-key', keys.admin.secret]);
    expect(added.out).toMatch(/^added erin \(trader\); one-time password: [A-Za-z0-9_-]{24}\n/);
    expect(await rows(`select role, must_change_password from auth_user where username = 'erin'`)).toEqual([{ role: 'trader', must_change_password: true }]);
    expect((await run(['user', 'disable', '--username', 'erin', '--server', url, '--api-key', keys.admin.secret])).out).toBe('disabled erin; its sessions are revoked\n');
    expect((await rows(`select disabled_at from auth_user where username = 'erin'`))[0]!['disabled_at']).not.toBeNull();
    expect((await run(['user', 'disable', '--username', 'nobody', '--server', url, '--api-key', keys.admin.secret])).err).toBe('orion: --username nobody: no such user\n');
  });

  it('finds the server of ORION_DATA_DIR by the URL it recorded, when no --server is given', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-cli-data-'));
    process.env['ORION_DATA_DIR'] = dataDir;
    try {
      const recorded = writeServerUrl(dataDir, url);
      const engaged = await run(['kill-switch', 'engage', '--reason', 'found by server-url', '--api-key', keys.trader.secret]);
      expect(engaged.out).toMatch(/^kill switch ENGAGED by \S+ at \S+: found by server-url\n$/);
      expect(protections.status().killSwitch?.reason).toBe('found by server-url');
      recorded.remove();
      expect(readServerUrl(dataDir)).toBeUndefined();
      expect((await run(['kill-switch', 'release', '--reason', 'done', '--server', url, '--api-key', keys.risk.secret])).code).toBe(0);
    } finally {
      delete process.env['ORION_DATA_DIR'];
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('server down: one line saying what to do', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const down = await run(['kill-switch', 'engage', '--reason', 'x y z', '--server', `http://127.0.0.1:${closed}`, '--api-key', keys.trader.secret]);
    expect(down.code).toBe(EXIT_FAILURE);
    expect(down.err).toBe(`orion: cannot reach the Orion server at http://127.0.0.1:${closed} (ECONNREFUSED): start it (orion start) or point --server / ORION_API_URL at it; with no server running, leave out --server, --api-key and --login to change the stopped database\n`);
  });

  it('another instance on the same database reads a change at once when the bus announces it', async () => {
    const tokens = new TokenDirectory([{ address: WETH, symbol: 'WETH', decimals: 18 }]);
    const session = await enterModeSession(ctx.store, 'sim', CHAIN);
    const other = await openProtections({ store: ctx.store, chainId: CHAIN, session: session.id, dataDir: folder, seed: seedLimits({}), tokens: () => tokens });
    const refreshed = new Promise<void>((resolve) => {
      void followProtectionChanges(bus, 'other', async () => {
        await other.refresh();
        resolve();
      }, (error) => { throw error; });
    });
    const before = other.limits().version;
    await run(['limits', 'set', 'max_input.WETH=7', '--server', url, '--api-key', keys.risk.secret]);
    await refreshed;
    expect(other.limits().version).toBe(before + 1);
    expect(other.limits().limits.maxInput).toMatchObject({ [WETH]: 7n * 10n ** 18n });
  });
});

it('the CLI waits for a server\'s answer longer than a contract control waits for its receipt there, so the 202 "sent, not yet mined" answer always arrives', () => {
  // Shorter, the CLI said "cannot reach the server" while the control's transaction was sent.
  expect(SERVER_ANSWER_TIMEOUT_MS).toBeGreaterThan(RECEIPT_TIMEOUT_MS);
});
