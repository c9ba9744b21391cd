import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerWriter } from '../ledger/ledger-writer.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import type { ModeSession } from '../ledger/records.ts';
import { recordRejectedAndSkipped, recordSample, sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from '../ledger/testing/sample-records.ts';
import { createMarketSyncRepository } from '../store/market-sync-repository.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createTestApp, type TestApp } from './test-app.ts';
import { createMetrics } from '../metrics/registry.ts';
import { startMaintenanceSchedule } from '../ops/maintenance-schedule.ts';
import { setRiskGauges } from '../telemetry/status-gauges.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenDirectory } from '../format/symbols.ts';
import { takeBackup, verifyBackupFile } from '../ops/backup/index.ts';
import { seedLimits } from '../orchestrator/limits.ts';
import { openProtections, type Protections } from '../risk-controls/protections-service.ts';
import type { AuditJson } from '../audit/canonical.ts';
import { usdReferenceList, type UsdReference } from '../config/usd-reference.ts';

/**
 * The desk's read routes through the real app, on a ledger the real writer filled (the sample
 * records the ledger's own tests use) and a market the real sync repository stored. Expected
 * values come from the records the test made, counted and summed here, not from the routes' SQL.
 */

const CHAIN = 31337;
const USDC = `0x${'0b'.repeat(20)}`;
const USDC_LOOKALIKE = `0x${'0c'.repeat(20)}`;
const at = new Date('2026-12-01T12:00:00Z');
const GAS_COST = 10n ** 14n; // every sample opportunity's gas cost in the base token

type Amount = { raw: string; units: string | null; symbol: string; display: string };
type Page<T> = { rows: T[]; nextCursor: string | null };

type Risk = {
  snapshots: Array<{
    mode: string; window: string; trades: number; token: { symbol: string }; totalPnl: Amount; winRate: number; var95: Amount; maxDrawdown: Amount; maxDrawdownPct: number | null; sharpe: number | null; revertRate: number;
    usd: { token: { address: string; symbol: string; decimals: number }; pool: string; totalPnl: Amount } | null; usdReason: string | null; report: { risk: { reasons: Record<string, string> } };
  }>;
};

/** One ORION_USD_REFERENCE_POOLS entry, parsed as the configuration parses it. */
function reference(text: string): UsdReference {
  return usdReferenceList().parse(text)[0]!;
}

forEachBackend('desk routes', (ctx) => {
  let t: TestApp;
  let sim: ModeSession;
  let live: ModeSession;
  /** Sample numbers whose simulation succeeded (even ones, of 0..5). */
  const OK = [0, 2, 4];

  const folder = mkdtempSync(join(tmpdir(), 'orion-desk-'));
  const held: { protections?: Protections } = {};
  const tokens = new TokenDirectory([{ address: SAMPLE_BASE, symbol: 'WETH', decimals: 18 }, { address: USDC as `0x${string}`, symbol: 'USDC', decimals: 6 }]);

  beforeAll(async () => {
    t = await createTestApp(ctx.store, { app: {
      controls: { protections: () => held.protections, tokens: () => tokens },
      ops: { backup: (store) => takeBackup(store, join(folder, 'backups')) },
    } });
    const market = createMarketSyncRepository(ctx.store);
    await market.saveTokens(CHAIN, [
      { address: SAMPLE_BASE, symbol: 'WETH', name: 'Wrapped Ether', decimals: 18, decimalsKnown: true, unsafeReason: null },
      { address: USDC, symbol: 'USDC', name: 'USD Coin', decimals: 6, decimalsKnown: true, unsafeReason: null },
      { address: USDC_LOOKALIKE, symbol: 'usdc', name: 'not USD Coin', decimals: 6, decimalsKnown: true, unsafeReason: 'transfer takes a fee' },
    ]);
    const pools = ['c1', 'c2', 'd1', 'd2'].map((b) => `0x${b.repeat(20)}`);
    await market.addPools(CHAIN, pools.map((address, i) => ({ address, protocol: i % 2 === 0 ? 'uniswap-v2' : 'uniswap-v3', token0: SAMPLE_BASE, token1: USDC, fee: i % 2 === 0 ? 3000 : 500, tickSpacing: i % 2 === 0 ? null : 10 })));
    await market.updatePools(CHAIN, [
      { address: pools[0]!, state: { reserve0: (15n * 10n ** 17n).toString(), reserve1: '3000000000' }, excludedReason: null },
      { address: pools[1]!, state: { sqrtPriceX96: '79228162514264337593543950336', tick: 0, liquidity: '1000', ticks: [[-10, '1000', '1000'], [10, '-1000', '1000']] }, excludedReason: null },
      { address: pools[2]!, state: null, excludedReason: 'token transfer takes a fee' },
    ]);

    sim = await enterModeSession(ctx.store, 'sim', CHAIN);
    const writer = createLedgerWriter({ store: ctx.store, session: sim });
    for (let i = 0; i < 6; i++) recordSample(writer, i, OK.includes(i), at);
    recordRejectedAndSkipped(writer, 'min-net-profit', 'net 0.0001 WETH is below 0.01 WETH', at);
    await writer.close();

    // A live session with one included execution (live execution writes these; its writer is not here yet).
    live = await enterModeSession(ctx.store, 'live', CHAIN);
    const first = (await ctx.store.query<{ id: bigint; decision: bigint }>("select o.id, d.id as decision from opportunities o join decisions d on d.opportunity_id = o.id order by o.id limit 1")).rows[0]!;
    await ctx.store.query(
      `insert into executions (mode, mode_session, decision_id, opportunity_id, status, tx_hash, nonce, submitted_block, included_block, predicted_profit, realized_profit, gas_used, effective_gas_price, gas_cost, created_at, updated_at)
       values ('live', $1, $2, $3, 'included', $4, 7, 300, 302, 5000, 4200, 150000, 3000000000, 450000000000000, $5, $5)`,
      [live.id, first.decision, first.id, `0x${'ab'.repeat(32)}`, at],
    );
    // Its intent missed its first target block: a transaction of that block moved the route's pools first.
    const intent = (await ctx.store.query<{ id: bigint }>(
      `insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token, plan_block, deadline_block, predicted_profit)
       values ($1, $2, 'desk-test', $3, 7, 'confirmed', '{}'::jsonb, $2, $4, 299, 302, 5000) returning id`, [CHAIN, `0x${'cd'.repeat(20)}`, live.id, SAMPLE_BASE],
    )).rows[0]!;
    await ctx.store.query("update executions set intent_id = $1 where mode = 'live'", [intent.id]);
    await ctx.store.query(
      `insert into inclusion_feedback (intent_id, submission, target_block, reason, detail, competitor_tx, competitor_sender)
       values ($1, 'bundle', 300, 'pools-moved-first', 'moved first', $2, $3)`, [intent.id, `0x${'ee'.repeat(32)}`, `0x${'ef'.repeat(20)}`],
    );
  });
  afterAll(async () => {
    await held.protections?.settle();
    await t?.app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const get = async <T>(url: string, role: Parameters<TestApp['bearer']>[0] = 'viewer'): Promise<T> => {
    const response = await t.app.inject({ url: `/api/v1${url}`, headers: t.bearer(role) });
    expect(response.statusCode, `${url}: ${response.body.slice(0, 300)}`).toBe(200);
    return response.json() as T;
  };

  it('opportunities: every row once through the cursor pages, newest first, amounts raw and in token units with the label', async () => {
    type Row = { id: string; route: string; amountIn: Amount; netProfit: Amount; gas: { cost: Amount }; decision: { outcome: string; rule: string | null } | null; firstBlock: string; session: string };
    const seen: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<Row> = await get(`/opportunities?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.rows);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3); // 8 rows, 3 a page
    expect(seen).toHaveLength(8);
    const ids = seen.map((r) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    // The oldest row is sample 0: 1e18 base units of WETH in, net = amountOut − amountIn − gas.
    const oldest = seen.at(-1)!;
    const o = sampleOpportunity(0);
    expect(oldest.amountIn).toEqual({ raw: o.amountIn.toString(), units: '1', symbol: 'WETH', display: '1 WETH' });
    expect(oldest.netProfit.raw).toBe((o.amountOut - o.amountIn - GAS_COST).toString());
    expect(oldest.gas.cost.units).toBe('0.0001');
    // USDC is shared by a look-alike: the label carries a short address wherever it is shown.
    expect(oldest.route).toBe('WETH>USDC(0x0b0b…)>WETH');
    expect(oldest).toMatchObject({ firstBlock: '100', session: sim.id.toString(), decision: { outcome: 'planned', rule: null } });
  });

  it('opportunities: filters by outcome, rule, pool, net profit and period; a period that ends before it starts is a 400', async () => {
    const rejected = await get<Page<{ decision: { rule: string; reason: string } }>>('/opportunities?outcome=rejected');
    expect(rejected.rows.map((r) => r.decision)).toEqual([{ outcome: 'rejected', rule: 'min-net-profit', reason: 'net 0.0001 WETH is below 0.01 WETH', block: '200' }]);
    expect((await get<Page<unknown>>('/opportunities?rule=min-net-profit')).rows).toHaveLength(1);
    expect((await get<Page<unknown>>(`/opportunities?pool=0x${'D1'.repeat(20)}`)).rows).toHaveLength(2); // route 1, any case
    // Net profit grows by 1 base unit per sample number: at least sample 4's keeps 4, 5 and 7.
    const floor = sampleOpportunity(4).netProfit;
    expect((await get<Page<{ netProfit: Amount }>>(`/opportunities?minNetProfit=${floor}`)).rows.map((r) => BigInt(r.netProfit.raw) >= floor)).toEqual([true, true, true]);
    expect((await get<Page<unknown>>('/opportunities?mode=live')).rows).toHaveLength(0);
    expect((await get<Page<unknown>>(`/opportunities?from=${new Date(at.getTime() + 1000).toISOString()}`)).rows).toHaveLength(0);
    const bad = await t.app.inject({ url: `/api/v1/opportunities?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`, headers: t.bearer('viewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/from .* is after to/);
    for (const query of ['cursor=abc', 'limit=0', 'limit=501', 'mode=paper', 'pool=0x12', 'minNetProfit=1.5', 'colour=red']) {
      expect((await t.app.inject({ url: `/api/v1/opportunities?${query}`, headers: t.bearer('viewer') })).statusCode, query).toBe(400);
    }
    expect((await t.app.inject({ url: '/api/v1/opportunities' })).statusCode).toBe(401);
  });

  it('opportunities: a client that accepts gzip gets the same page gzipped; one that does not (or refuses it) gets it plain', async () => {
    const plain = await t.app.inject({ url: '/api/v1/opportunities', headers: t.bearer('viewer') });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await t.app.inject({ url: '/api/v1/opportunities', headers: { ...t.bearer('viewer'), 'accept-encoding': 'br;q=1, gzip;q=0.8' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toMatch(/accept-encoding/i);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    const refused = await t.app.inject({ url: '/api/v1/opportunities', headers: { ...t.bearer('viewer'), 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(plain.body);
  });

  it('simulations: status and revert filters, slippage = simulated − predicted, the skipped plan with its reason', async () => {
    type Row = { status: string; revert: { name: string } | null; predictedProfit: Amount; simulatedProfit: Amount | null; slippage: Amount | null; error: string | null; route: string };
    const all = await get<Page<Row>>('/simulations');
    expect(all.rows.map((r) => r.status).sort()).toEqual(['ok', 'ok', 'ok', 'reverted', 'reverted', 'reverted', 'skipped']);
    const reverted = await get<Page<Row>>('/simulations?status=reverted&revert=InsufficientProfit');
    expect(reverted.rows).toHaveLength(3);
    expect(reverted.rows.every((r) => r.revert?.name === 'InsufficientProfit' && r.simulatedProfit === null)).toBe(true);
    const ok = await get<Page<Row>>('/simulations?status=ok');
    expect(ok.rows.map((r) => r.slippage?.raw)).toEqual(['0', '0', '0']); // the sample's ok results made exactly the predicted profit
    const skipped = (await get<Page<Row>>('/simulations?status=skipped')).rows[0]!;
    expect(skipped).toMatchObject({ error: 'the executor moved on to block 202', simulatedProfit: null, route: 'WETH>USDC(0x0b0b…)>WETH' });
  });

  it('executions: inclusion feedback, realized beside predicted, gas paid in native units, an (empty) attempts list', async () => {
    const page = await get<Page<Record<string, unknown>>>('/executions');
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({
      mode: 'live', session: live.id.toString(), status: 'included', nonce: '7',
      inclusion: {
        submittedBlock: '300', includedBlock: '302', blocksToInclusion: 2, failureReason: null,
        feedback: [{ submission: 'bundle', targetBlock: '300', reason: 'pools-moved-first', detail: 'moved first', competitor: { txHash: `0x${'ee'.repeat(32)}`, sender: `0x${'ef'.repeat(20)}` } }],
      },
      predictedProfit: { raw: '5000', units: '0.000000000000005', symbol: 'WETH' },
      realizedProfit: { raw: '4200', units: '0.0000000000000042', symbol: 'WETH' },
      gas: { used: '150000', effectivePriceWei: '3000000000', cost: { raw: '450000000000000', units: '0.00045', symbol: 'native' } },
      attempts: [],
    });
    expect((await get<Page<unknown>>('/executions?status=dropped')).rows).toHaveLength(0);
    expect((await get<Page<unknown>>(`/executions?txHash=0x${'AB'.repeat(32)}`)).rows).toHaveLength(1);
  });

  it('funnel: the sim session counted by hand (rejections by rule, conversion), the open session by default, 404 for an unknown one', async () => {
    type Funnel = { session: { id: string; mode: string; endedAt: string | null }; detected: number; planned: number; rejected: number; rejectedByRule: unknown; simulated: unknown; revertsByReason: unknown; conversion: Array<{ stage: string; count: number; fromPrevious: number | null }>; profitByToken: Array<{ token: { symbol: string }; simulated: Amount; predicted: Amount }> };
    const f = await get<Funnel>('/funnel?mode=sim');
    expect(f.session.id).toBe(sim.id.toString());
    expect(f.session.endedAt).not.toBeNull(); // the live session closed it
    expect(f).toMatchObject({ detected: 8, planned: 7, rejected: 1, rejectedByRule: [{ rule: 'min-net-profit', count: 1 }], simulated: { ok: 3, reverted: 3, failed: 0, skipped: 1 }, revertsByReason: [{ reason: 'InsufficientProfit', count: 3 }] });
    expect(f.conversion.slice(0, 3).map((c) => [c.stage, c.count, c.fromPrevious])).toEqual([['detected', 8, null], ['planned', 7, 7 / 8], ['simulated-ok', 3, 3 / 7]]);
    const okProfit = OK.reduce((sum, i) => sum + samplePlan(sampleOpportunity(i), BigInt(100 + i)).expectedProfit, 0n);
    expect(f.profitByToken).toHaveLength(1);
    expect(f.profitByToken[0]!.token.symbol).toBe('WETH');
    expect(f.profitByToken[0]!.simulated.raw).toBe(okProfit.toString());
    const open = await get<Funnel>('/funnel');
    expect(open.session).toMatchObject({ id: live.id.toString(), mode: 'live', endedAt: null });
    expect((await t.app.inject({ url: '/api/v1/funnel?session=999999', headers: t.bearer('viewer') })).statusCode).toBe(404);
  });

  it('pnl: per day and per session, net = gross − the gas estimate, sim from successful simulations, live from realized executions', async () => {
    type Row = { mode: string; period: string; trades: number; wins: number; gross: Amount; gasEstimate: Amount; net: Amount; gasPaid: Amount | null };
    const okGross = OK.reduce((sum, i) => sum + samplePlan(sampleOpportunity(i), BigInt(100 + i)).expectedProfit, 0n);
    const byDay = await get<{ group: string; rows: Row[] }>('/pnl?mode=sim');
    expect(byDay.group).toBe('day');
    expect(byDay.rows).toHaveLength(1);
    expect(byDay.rows[0]).toMatchObject({ mode: 'sim', period: '2026-12-01', trades: 3, wins: 3, gross: { raw: okGross.toString() }, gasEstimate: { raw: (3n * GAS_COST).toString() }, net: { raw: (okGross - 3n * GAS_COST).toString() }, gasPaid: null });
    const bySession = await get<{ rows: Row[] }>('/pnl?group=session');
    expect(bySession.rows.map((r) => [r.mode, r.period, r.trades])).toEqual([['live', live.id.toString(), 1], ['sim', sim.id.toString(), 3]]);
    expect(bySession.rows[0]).toMatchObject({ gross: { raw: '4200' }, net: { raw: (4200n - GAS_COST).toString() }, gasPaid: { raw: '450000000000000' } });
    expect((await get<{ rows: Row[] }>('/pnl?mode=sim&to=2026-11-30T00:00:00Z')).rows).toEqual([]);
  });

  it('pools and tokens: pages by address, reserves in token units, V3 state, exclusion reasons, look-alike symbols told apart', async () => {
    type Pool = { address: string; pair: string; status: string; fee: { pips: number; percent: string }; reserves: { token0: Amount; token1: Amount } | null; v3: { initializedTicks: number } | null; excludedReason: string | null };
    const first = await get<Page<Pool>>('/pools?limit=2');
    const second = await get<Page<Pool>>(`/pools?limit=2&cursor=${first.nextCursor}`);
    expect(second.nextCursor).toBeNull();
    const pools = [...first.rows, ...second.rows];
    expect(pools.map((p) => p.address)).toEqual(['c1', 'c2', 'd1', 'd2'].map((b) => `0x${b.repeat(20)}`));
    expect(pools[0]).toMatchObject({ status: 'loaded', pair: 'WETH/USDC(0x0b0b…)', fee: { pips: 3000, percent: '0.3' }, reserves: { token0: { units: '1.5', symbol: 'WETH' }, token1: { units: '3000', display: '3000 USDC(0x0b0b…)' } } });
    expect(pools[1]).toMatchObject({ status: 'loaded', fee: { percent: '0.05' }, reserves: null, v3: { initializedTicks: 2 } });
    expect(pools[2]).toMatchObject({ status: 'excluded', excludedReason: 'token transfer takes a fee' });
    expect(pools[3]).toMatchObject({ status: 'pending' });
    expect((await get<Page<Pool>>('/pools?status=excluded')).rows).toHaveLength(1);
    expect((await get<Page<Pool>>('/pools?protocol=uniswap-v3')).rows).toHaveLength(2);

    type Token = { address: string; symbol: string; label: string; unsafeReason: string | null };
    const usdc = await get<Page<Token>>('/tokens?symbol=USDC');
    expect(usdc.rows.map((r) => r.label)).toEqual(['USDC(0x0b0b…)', 'usdc(0x0c0c…)']);
    expect((await get<Page<Token>>('/tokens?unsafe=true')).rows.map((r) => r.address)).toEqual([USDC_LOOKALIKE]);
    expect((await t.app.inject({ url: '/api/v1/pools?cursor=c1', headers: t.bearer('viewer') })).statusCode).toBe(400);
  });

  it('compliance report: executions, P&L and security events of a period, as JSON and CSV, without personal data, audited; auditor and admin only', async () => {
    const from = '2026-12-01T00:00:00.000Z';
    const to = new Date(Date.now() + 3_600_000).toISOString();
    type Report = { executions: { count: number; byStatus: Record<string, number> }; pnl: { rows: Array<{ mode: string; trades: number }> }; securityEvents: { count: number; byType: Record<string, number>; rows: Array<{ actor: string | null }> } };
    const report = await get<Report>(`/compliance/report?from=${from}&to=${to}`, 'auditor');
    expect(report.executions).toMatchObject({ count: 1, byStatus: { included: 1 } });
    expect(report.pnl.rows.map((r) => [r.mode, r.trades]).sort()).toEqual([['live', 1], ['sim', 3]]);
    // Every test user signed in once; pseudonyms only, never a username.
    expect(report.securityEvents.byType['auth.login.ok']).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(report)).not.toContain(t.users.trader.username);

    const csv = await t.app.inject({ url: `/api/v1/compliance/report?from=${from}&to=${to}&format=csv`, headers: t.bearer('admin') });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,at,kind,reference,status,symbol,amount_raw,amount_units,details');
    expect(lines.filter((l) => l.startsWith('execution,'))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('execution,'))).toContain(',included,WETH,4200,0.0000000000000042,');
    expect(lines.filter((l) => l.startsWith('pnl,'))).toHaveLength(2);
    // One more security row than the JSON report had: generating that report was audited.
    expect(lines.filter((l) => l.startsWith('security,'))).toHaveLength(report.securityEvents.count + 1);
    expect(csv.body).not.toContain(t.users.trader.username);

    const audited = await get<{ rows: Array<{ type: string; details: Record<string, unknown> }> }>('/compliance/audit?type=compliance.report', 'auditor');
    expect(audited.rows.map((r) => r.details['format'])).toEqual(['csv', 'json']);
    expect((await t.app.inject({ url: `/api/v1/compliance/report?from=${from}&to=${to}`, headers: t.bearer('risk') })).statusCode).toBe(403);
    expect((await t.app.inject({ url: `/api/v1/compliance/report?from=${to}&to=${from}`, headers: t.bearer('auditor') })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `/api/v1/compliance/report?from=${from}`, headers: t.bearer('auditor') })).statusCode).toBe(400);
  });

  it('compliance report of a period with more executions than a report carries: 422 naming the count, never a cut report; the refusal audited', async () => {
    await ctx.store.query(
      `insert into executions (mode, mode_session, decision_id, opportunity_id, status, predicted_profit, created_at, updated_at)
       select 'live', $1, g, 0, 'dropped', 5, '2025-01-01T12:00:00Z', '2025-01-01T12:00:00Z' from generate_series(1, 10001) g`, [live.id]);
    try {
      for (const format of ['json', 'csv']) {
        const response = await t.app.inject({ url: `/api/v1/compliance/report?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&format=${format}`, headers: t.bearer('auditor') });
        expect(response.statusCode).toBe(422);
        expect(response.json<{ message: string }>().message).toMatch(/^the period \[2025-01-01T00:00:00.000Z, 2025-01-02T00:00:00.000Z\) holds 10001 executions, more than the 10000 one report carries \(a report is never cut\): ask for shorter periods, at least 2 back to back/);
      }
      const refused = await get<{ rows: Array<{ details: Record<string, unknown> }> }>('/compliance/audit?type=compliance.report.refused', 'auditor');
      expect(refused.rows.map((r) => [r.details['format'], r.details['from'], r.details['to']])).toEqual([
        ['csv', '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z'], ['json', '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z'],
      ]);
      expect(String(refused.rows[0]!.details['reason'])).toContain('holds 10001 executions');
    } finally {
      await ctx.store.query("delete from executions where created_at = '2025-01-01T12:00:00Z'");
    }
  }, 180_000);

  it('maintenance: a risk snapshot per mode, window and base token from the ledger, in USD through the reference pool (GET /risk, gauges), retention of old rows only, the run audited', async () => {
    // Two opportunities seen 100 days ago (one simulated): past the 30-day retention.
    const old = new Date(Date.now() - 100 * 86_400_000);
    const writer = createLedgerWriter({ store: ctx.store, session: live });
    const ref = writer.sighted({ opportunity: sampleOpportunity(20), block: 50n, gasPrice: 1n, at: old });
    const plan = samplePlan(sampleOpportunity(20), 50n);
    writer.simulated(writer.decided(ref, { decision: { outcome: 'planned', plan }, block: 50n, at: old }), { kind: 'result', result: sampleResult(plan, false), at: old });
    writer.sighted({ opportunity: sampleOpportunity(21, 1), block: 51n, gasPrice: 1n, at: old });
    await writer.close();
    const count = async (table: string): Promise<number> => Number((await ctx.store.query(`select count(*) as n from ${table}`)).rows[0]!['n']);
    const [opportunities, simulations, executions] = [await count('opportunities'), await count('simulations'), await count('executions')];

    const said: string[] = [];
    // A clock an hour after the ledger's trades, so every window holds them whatever the wall clock says.
    const now = (): Date => new Date(at.getTime() + 3_600_000);
    // First a reference to a pool the market does not have: USD null with the reason, never a guess.
    const missing = await startMaintenanceSchedule({ store: ctx.store, audit: t.audit, intervalSeconds: 0, retentionDays: 30, say: (line) => said.push(line), now, usdReferencePools: [reference('WETH=v3:USDC:100')] });
    expect(missing.latest()).toEqual([]);
    const result = await missing.runNow();
    await missing.stop();
    expect(Object.fromEntries(result.retention.map((r) => [r.table, r.deleted]))).toEqual({ simulations: 1, opportunities: 2, executions: 0, risk_snapshots: 0 });
    expect([await count('opportunities'), await count('simulations'), await count('executions')]).toEqual([opportunities - 2, simulations - 1, executions]);
    expect(said.join('\n')).toMatch(/maintenance: risk snapshots \(sim 3 trades, live 1 trades; 8 mode × window × token\), retention deleted 1 simulations, 0 executions, 2 opportunities, 0 risk_snapshots in \d+ ms/);
    const unpriced = (await get<Risk>('/risk?mode=sim&window=all')).snapshots[0]!;
    expect(unpriced.usd).toBeNull();
    expect(unpriced.usdReason).toBe(`the USD reference pool WETH=v3:USDC:100: the market has no uniswap-v3 pool of ${SAMPLE_BASE} and USDC with fee 100`);

    // Then the V2 WETH/USDC pool (1.5 WETH, 3,000 USDC: 2,000 USDC per WETH). The look-alike "usdc" shares the symbol but no pool.
    const schedule = await startMaintenanceSchedule({ store: ctx.store, audit: t.audit, intervalSeconds: 0, retentionDays: 30, say: () => undefined, now: () => new Date(now().getTime() + 1000), usdReferencePools: [reference('WETH=v2:USDC:3000')], riskCapital: [{ token: { type: 'symbol', symbol: 'weth' }, amount: '0.001', text: 'weth=0.001' }] });
    expect(schedule.latest().map((s) => s.usd)).toEqual(new Array(8).fill(null)); // the first run's, read at start
    expect((await schedule.runNow()).retention.map((r) => r.deleted)).toEqual([0, 0, 0, 0]);
    await schedule.stop();

    // Sim trades: the three successful simulations, each net of the scanner's gas estimate.
    const nets = OK.map((i) => samplePlan(sampleOpportunity(i), BigInt(100 + i)).expectedProfit - GAS_COST);
    const risk = await get<Risk>('/risk');
    expect(risk.snapshots.map((r) => `${r.mode} ${r.window} ${r.token.symbol}`).sort()).toEqual(['live', 'sim'].flatMap((m) => ['24h', '30d', '7d', 'all'].map((w) => `${m} ${w} WETH`)));
    const byMode = Object.fromEntries(risk.snapshots.filter((r) => r.window === 'all').map((r) => [r.mode, r]));
    expect(byMode['sim']).toMatchObject({ trades: 3, token: { symbol: 'WETH' }, totalPnl: { raw: nets.reduce((a, b) => a + b, 0n).toString() }, winRate: 1, maxDrawdown: { raw: '0' }, revertRate: 0.5 });
    // All winning trades: the worst trade is the 95 % VaR, a gain (so negative as a loss).
    expect(byMode['sim']!.var95.raw).toBe((-nets.reduce((a, b) => (a < b ? a : b))).toString());
    expect(byMode['sim']!.sharpe).toBeNull(); // one day of trades
    expect(byMode['sim']!.report.risk.reasons['sharpe']).toMatch(/day/);
    expect(byMode['live']).toMatchObject({ trades: 1, totalPnl: { raw: (4200n - GAS_COST).toString() }, winRate: 0 });
    // USD: each trade × 3,000e6 / 1.5e18 USDC base units (2,000 USDC per WETH), truncated toward zero, then summed.
    const usdOf = (wei: bigint): bigint => (wei * 3_000_000_000n) / 1_500_000_000_000_000_000n;
    expect(byMode['sim']!.usdReason).toBeNull();
    expect(byMode['sim']!.usd).toMatchObject({ token: { address: USDC, symbol: 'USDC(0x0b0b…)', decimals: 6 }, pool: `0x${'c1'.repeat(20)}`, totalPnl: { raw: nets.map(usdOf).reduce((a, b) => a + b, 0n).toString() } });
    // The look-alike "usdc" shares the symbol, so the label carries a short address, as everywhere on the desk.
    // Live: 4,200 wei − 10^14 wei of gas = −99,999,999,995,800 wei → −199,999.9999916 base units of USDC → −199,999 (toward zero).
    expect(byMode['live']!.usd!.totalPnl).toMatchObject({ raw: '-199999', units: '-0.199999' });
    expect(byMode['live']!.usdReason).toBeNull();
    // Capital 0.001 WETH = 10¹⁵ wei: the live drawdown of 10¹⁴ − 4,200 wei is 9.99999999958 % of it; in USD 199,999 of 2,000,000 = 9.99995 %.
    expect(byMode['live']!.maxDrawdownPct).toBeCloseTo(9.99999999958, 9);
    expect((byMode['live']!.report as unknown as { usd: { risk: { maxDrawdownPct: number } } }).usd.risk.maxDrawdownPct).toBeCloseTo(9.99995, 9);
    expect(unpriced.maxDrawdownPct).toBeNull(); // the first run had no capital

    // Filters: window, token by symbol (any case) or address, mode.
    expect((await get<Risk>('/risk?window=24h')).snapshots.map((r) => [r.mode, r.trades])).toEqual([['live', 1], ['sim', 3]]);
    expect((await get<Risk>('/risk?mode=live')).snapshots.map((r) => `${r.mode} ${r.window}`)).toEqual(['live 24h', 'live 7d', 'live 30d', 'live all']);
    expect((await get<Risk>('/risk?token=weth&window=7d&mode=sim')).snapshots).toHaveLength(1);
    expect((await get<Risk>(`/risk?token=${SAMPLE_BASE.toUpperCase().replace('0X', '0x')}&window=all`)).snapshots).toHaveLength(2);
    expect((await get<Risk>('/risk?token=USDT')).snapshots).toEqual([]);
    for (const [query, named] of [['window=1y', 'window'], ['window=', 'window'], ['mode=paper', 'mode'], ['token=a%20b', 'token'], ['token=0x12', 'token'], ['colour=red', 'colour']]) {
      const bad = await t.app.inject({ url: `/api/v1/risk?${query}`, headers: t.bearer('viewer') });
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().message, query).toContain(named);
    }
    expect(schedule.latest()).toHaveLength(8);

    const metrics = createMetrics({ defaults: false });
    setRiskGauges(metrics, schedule.latest());
    const text = (await metrics.scrape()).body;
    expect(text).toContain('orion_risk_trades{mode="sim",window="all",token="WETH"} 3');
    expect(text).toContain('orion_risk_win_rate{mode="live",window="24h",token="WETH"} 0');
    expect(text).toContain('orion_risk_total_pnl_usd{mode="live",window="all",token="WETH"} -0.199999');
    expect(text).toMatch(/^orion_risk_sharpe\{mode="sim",window="7d",token="WETH"\} nan$/im); // prom-client writes Nan; Prometheus parses any case
    // A token gone from the ledger leaves no series behind: the gauges are cleared before each update.
    setRiskGauges(metrics, schedule.latest().filter((s) => s.mode === 'sim'));
    expect((await metrics.scrape()).body).not.toContain('orion_risk_trades{mode="live"');
    const audited = await get<{ rows: Array<{ details: { deleted: Record<string, number> } }> }>('/compliance/audit?type=maintenance.run', 'auditor');
    expect(audited.rows.map((r) => r.details.deleted)).toEqual([{ simulations: 0, opportunities: 0, executions: 0, risk_snapshots: 0 }, { simulations: 1, opportunities: 2, executions: 0, risk_snapshots: 0 }]); // newest first
  });

  it('limits and kill switch: 503 until the protections run; read by all, set and rolled back by risk, engaged by trader, released by risk; each change audited', async () => {
    expect((await t.app.inject({ url: '/api/v1/limits', headers: t.bearer('viewer') })).statusCode).toBe(503);
    held.protections = await openProtections({
      store: ctx.store, chainId: CHAIN, session: live.id, dataDir: folder, seed: seedLimits({}), tokens: () => tokens,
      onAudit: async (e, tx) => void (await t.audit.append({ type: e.type, actor: e.actor, details: e.details as Record<string, AuditJson> }, tx)),
    });
    type Limits = { version: number; actor: string; comment: string | null; limits: Array<{ key: string; value: string; shown: { key: string; value: string } }>; changes: Array<{ key: string; old: string | null; new: string | null; shown: { key: string; old: string; new: string } }> };
    const first = await get<Limits>('/limits');
    expect(first.version).toBe(1);
    const send = (method: 'PUT' | 'POST', url: string, role: Parameters<TestApp['bearer']>[0], payload: unknown) => t.app.inject({ method, url: `/api/v1${url}`, headers: t.bearer(role), payload: payload as Record<string, unknown> });
    expect((await send('PUT', '/limits', 'trader', { set: ['max_input.WETH=1.5'] })).statusCode).toBe(403);
    const bad = await send('PUT', '/limits', 'risk', { set: ['no_such_limit=1'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/unknown limit "no_such_limit"/);
    const put = await send('PUT', '/limits', 'risk', { set: ['max_input.WETH=1.5'], comment: 'tighter' });
    expect(put.statusCode, put.body).toBe(200);
    const v2 = put.json() as Limits;
    expect(v2).toMatchObject({ version: 2, comment: 'tighter', actor: expect.stringMatching(/\S/) as unknown });
    expect(v2.changes).toEqual([{ key: `max_input.${SAMPLE_BASE}`, old: null, new: (15n * 10n ** 17n).toString(), shown: { key: 'max_input.WETH', old: '(none)', new: '1.5 WETH' } }]);
    expect(v2.limits.find((l) => l.key === `max_input.${SAMPLE_BASE}`)?.shown).toEqual({ key: 'max_input.WETH', value: '1.5 WETH' });
    const history = await get<{ versions: Limits[] }>('/limits/history');
    expect(history.versions.map((v) => v.version)).toEqual([2, 1]);
    const rolled = await send('POST', '/limits/rollback', 'admin', { version: 1, comment: 'back' });
    expect(rolled.statusCode, rolled.body).toBe(200);
    expect((rolled.json() as Limits).version).toBe(3);
    expect((rolled.json() as Limits).limits.find((l) => l.key === `max_input.${SAMPLE_BASE}`)).toBeUndefined();
    expect((await send('POST', '/limits/rollback', 'risk', { version: 999 })).statusCode).toBe(400);

    type Kill = { engaged: boolean; reason: string; via: string };
    expect(await get<Kill>('/controls/kill-switch')).toMatchObject({ engaged: false });
    expect((await send('POST', '/controls/kill-switch/engage', 'viewer', { reason: 'panic' })).statusCode).toBe(403);
    const engaged = await send('POST', '/controls/kill-switch/engage', 'trader', { reason: 'odd reverts on WETH/USDC' });
    expect(engaged.json()).toMatchObject({ engaged: true, reason: 'odd reverts on WETH/USDC', via: 'api' });
    expect(held.protections.status().killSwitch?.engaged).toBe(true);
    expect((await send('POST', '/controls/kill-switch/release', 'trader', { reason: 'looked fine' })).statusCode).toBe(403);
    expect((await send('POST', '/controls/kill-switch/release', 'risk', { reason: 'looked fine' })).json()).toMatchObject({ engaged: false });
    expect((await send('POST', '/controls/kill-switch/engage', 'trader', { reason: '' })).statusCode).toBe(400);
    await held.protections.settle();
    const audited = await get<{ rows: Array<{ type: string; actor: string | null }> }>('/compliance/audit?limit=20', 'auditor');
    const types = audited.rows.map((r) => r.type);
    for (const type of ['limits.set', 'limits.rollback', 'kill-switch.engage', 'kill-switch.release']) expect(types).toContain(type);
    expect(audited.rows.find((r) => r.type === 'kill-switch.engage')?.actor).toBe((await t.auth.access.verify(t.users.trader.accessToken)).psn);
  });

  it('ops/backup (admin): the server takes a backup that verifies on its own, audited', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/ops/backup', headers: t.bearer('risk') })).statusCode).toBe(403);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/ops/backup', headers: t.bearer('admin') });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { file: string; bytes: number; tables: number; rows: number };
    expect(body.file.startsWith(join(folder, 'backups'))).toBe(true);
    const verified = await verifyBackupFile(body.file);
    expect(verified.tables.length).toBe(body.tables);
    expect(verified.tables.find((table) => table.name === 'executions')?.rows).toBe(1);
    const audited = await get<{ rows: Array<{ details: { file: string } }> }>('/compliance/audit?type=backup.taken', 'auditor');
    expect(audited.rows[0]!.details.file).toBe(body.file);
  });
});
