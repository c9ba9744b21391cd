import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TokenDirectory } from '../format/symbols.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { routeKey } from '../ledger/records.ts';
import { sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from '../ledger/testing/sample-records.ts';
import { DEFAULT_LIMITS, limitsToJson } from '../orchestrator/limits.ts';
import type { MarketFacts } from '../orchestrator/protection.ts';
import { forEachBackend } from '../store/test-store.ts';
import { lostAnswerStore } from '../store/testing/lost-answer-store.ts';
import { createMetrics } from '../metrics/registry.ts';
import { collectStatusGauges } from '../telemetry/status-gauges.ts';
import { writeStoredMode } from '../mode/mode-store.ts';
import { openProtections, type Protections, type ProtectionAuditEvent } from './protections-service.ts';

/**
 * The protections as the platform holds them, on a real database (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set): limits versioned with history and exact rollback, bad values
 * refused with nothing written, the kill switch (also by file) persisted across a restart, and
 * the daily-loss breaker held until re-armed, also across a restart.
 */

const CHAIN = 31337;
const BASE = SAMPLE_BASE.toLowerCase();
const tokens = new TokenDirectory([
  { address: SAMPLE_BASE, symbol: 'WETH', decimals: 18 },
  { address: `0x${'0b'.repeat(20)}`, symbol: 'USDC', decimals: 6 },
]);
const opportunity = sampleOpportunity(3);
const route = routeKey(opportunity);
const plan = samplePlan(opportunity, 500n);
const market = (block: bigint): MarketFacts => ({ block, freshness: { fresh: true, stateBlock: block, head: block, ageBlocks: 0 }, gasPrice: 2n * 10n ** 9n, nextBaseFee: 10n ** 9n, pricedOut: false });
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const ALICE = { name: 'alice', via: 'cli' } as const;

forEachBackend('protections service', (db) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'orion-protections-'));
  dirs.push(dataDir);
  const audits: ProtectionAuditEvent[] = [];
  const open = async (): Promise<Protections> => {
    const session = await enterModeSession(db.store, 'sim', CHAIN);
    return openProtections({ store: db.store, chainId: CHAIN, session: session.id, dataDir, seed: DEFAULT_LIMITS, tokens: () => tokens, onAudit: (e) => void audits.push(e) });
  };

  it('seeds version 1 once, and a change is a new version with who, what and why', async () => {
    const p = await open();
    expect(p.limits().version).toBe(1);
    expect(p.limits().actor).toBe('config');
    const v2 = await p.setLimits(['max_input.WETH=1.5', 'revert_breaker.consecutive=7'], ALICE, 'tighter');
    expect(v2.version).toBe(2);
    expect(v2.limits.maxInput[BASE]).toBe(1_500_000_000_000_000_000n);
    expect(v2.changes).toEqual([
      { key: `max_input.${BASE}`, old: null, new: '1500000000000000000' },
      { key: 'revert_breaker.consecutive', old: '5', new: '7' },
    ]);
    // What the database holds is what is in force, read back independently.
    const { rows } = await db.store.query<{ version: number; limits: unknown; actor: string; comment: string }>('select version, limits, actor, comment from limits order by version');
    expect(rows.map((r) => [r.version, r.actor, r.comment])).toEqual([[1, 'config', 'defaults and configuration at first boot'], [2, 'alice', 'tighter']]);
    expect((rows[1]!.limits as { maxInput: Record<string, string> }).maxInput).toEqual({ [BASE]: '1500000000000000000' });
    expect(audits.at(-1)).toMatchObject({ type: 'limits.set', actor: 'alice' });
    // A restart finds version 2 in force, not a new seed.
    expect((await open()).limits().version).toBe(2);
  });

  it('refuses to judge another chain by this database\'s limits, and writes nothing', async () => {
    await open();
    const before = await db.store.query<{ n: number }>('select count(*)::int as n from limits');
    const session = await enterModeSession(db.store, 'sim', 1);
    const other = openProtections({ store: db.store, chainId: 1, session: session.id, dataDir, seed: DEFAULT_LIMITS, tokens: () => tokens });
    await expect(other).rejects.toThrow(`belong to chain ${CHAIN}`);
    await expect(other).rejects.toThrow('not chain 1');
    const { writeLimits } = await import('./limits-repository.ts');
    await expect(writeLimits(db.store, 1, (current) => current.limits, 'alice', null)).rejects.toThrow(`belong to chain ${CHAIN}`);
    const after = await db.store.query<{ n: number; chains: number }>('select count(*)::int as n, count(distinct chain_id)::int as chains from limits');
    expect(after.rows[0]).toEqual({ n: before.rows[0]!.n, chains: 1 });
  });

  it('while the stored mode is live, a max_daily_loss cannot be removed (set or rollback); another value can; in sim it can', async () => {
    const p = await open();
    const withLimit = await p.setLimits(['max_daily_loss.WETH=1'], ALICE, 'a loss limit');
    await writeStoredMode(db.store, 'live', 'test', null);
    try {
      await expect(p.setLimits(['max_daily_loss.WETH=none'], ALICE, 'unbounded')).rejects.toThrow(`max_daily_loss.${BASE} cannot be removed`);
      await expect(p.rollbackLimits(withLimit.version - 1, ALICE, 'back')).rejects.toThrow(`max_daily_loss.${BASE} cannot be removed`);
      const stored = await db.store.query<{ version: number }>('select max(version)::int as version from limits');
      expect(stored.rows[0]!.version).toBe(withLimit.version);
      expect((await p.setLimits(['max_daily_loss.WETH=2'], ALICE, 'wider')).limits.maxDailyLoss[BASE]).toBe(2n * 10n ** 18n);
    } finally {
      await writeStoredMode(db.store, 'sim', 'test', null);
    }
    expect((await p.setLimits(['max_daily_loss.WETH=none'], ALICE, 'in sim')).limits.maxDailyLoss[BASE]).toBeUndefined();
  });

  it('applies a change before the next plan', async () => {
    const p = await open();
    expect(p.check('plan', market(501n), opportunity, route, plan, null)).toBeNull();
    await p.setLimits([`max_input.WETH=${'0.5'}`], ALICE, null);
    expect(p.check('plan', market(502n), opportunity, route, plan, null)).toMatchObject({ rule: 'max-input' });
  });

  it('refuses bad values naming the field, with nothing written', async () => {
    const p = await open();
    const before = await db.store.query('select count(*)::int as n from limits');
    const bad: [string[], RegExp][] = [
      [['max_input.WETH=-1'], /max_input\.WETH must not be negative/],
      [['max_input.WETH=abc'], /max_input\.WETH \(in WETH\) must be a non-negative decimal/],
      [['max_input.USDC=0.0000001'], /7 decimals but the token has 6/],
      [['max_input.DOGE=1'], /DOGE/],
      [['revert_breaker.window=1.5'], /revert_breaker\.window must be a whole number/],
      [['revert_breaker.max_rate_pct=101'], /revert_breaker\.max_rate_pct must be from 1 to 100/],
      [['max_gas_price=80'], /max_gas_price must be an amount with its unit/],
      [['no_such_limit=1'], /unknown limit "no_such_limit"/],
      [['max_flash_loan.uniswap.WETH=1'], /lender "uniswap" is not one of/],
      // One good and one bad value: the good one is not written either.
      [['max_input.WETH=2', 'route_suppression.failures=0'], /route_suppression\.failures must be from 1/],
      [['max_input'], /is not KEY=VALUE/],
    ];
    for (const [assignments, message] of bad) await expect(p.setLimits(assignments, ALICE, null)).rejects.toThrow(message);
    const after = await db.store.query('select count(*)::int as n from limits');
    expect(after.rows).toEqual(before.rows);
  });

  it('rolls back to an earlier version exactly, as a new version', async () => {
    const p = await open();
    const history = await p.history();
    const target = history.find((v) => v.version === 2)!;
    await p.setLimits(['tokens.deny=USDC', 'max_gas_price=80gwei', 'max_daily_loss.WETH=0.25'], ALICE, 'more');
    const rolled = await p.rollbackLimits(2, { name: 'bob', via: 'api' }, null);
    expect(rolled.version).toBe(history[0]!.version + 2);
    expect(limitsToJson(rolled.limits)).toEqual(limitsToJson(target.limits));
    const { rows } = await db.store.query<{ limits: unknown; comment: string }>('select limits, comment from limits where version = $1', [rolled.version]);
    const { rows: original } = await db.store.query<{ limits: unknown }>('select limits from limits where version = 2');
    expect(rows[0]!.limits).toEqual(original[0]!.limits);
    expect(rows[0]!.comment).toBe('rollback to version 2');
    await expect(p.rollbackLimits(999, ALICE, null)).rejects.toThrow('there is no limits version 999');
  });

  it('engages the kill switch from the KILL file within one block, survives a restart, and only a release clears it', async () => {
    const p = await open();
    expect(p.check('plan', market(600n), opportunity, route, plan, null)?.rule).not.toBe('kill-switch');
    writeFileSync(join(dataDir, 'KILL'), 'exchange incident\n');
    // Asked before any block (the live start-up's reconciliation does): the file already counts.
    expect(p.killSwitchReason()).toBe('the kill switch is engaged (operator (file): exchange incident)');
    p.onBlock(601n);
    expect(p.check('plan', market(601n), opportunity, route, plan, null)).toMatchObject({ rule: 'kill-switch', scope: { kind: 'global' }, until: { kind: 'release' } });
    expect(p.status().killSwitch).toMatchObject({ engaged: true, reason: 'exchange incident', via: 'file' });
    await p.settle();
    // Deleting the file alone does not release it; a restart finds it engaged.
    rmSync(join(dataDir, 'KILL'));
    const restarted = await open();
    restarted.onBlock(602n);
    expect(restarted.check('plan', market(602n), opportunity, route, plan, null)?.rule).toBe('kill-switch');
    // Releasing is a deliberate act, and removes the file.
    writeFileSync(join(dataDir, 'KILL'), 'again');
    await restarted.releaseKillSwitch('incident over', ALICE);
    expect(existsSync(join(dataDir, 'KILL'))).toBe(false);
    restarted.onBlock(603n);
    expect(restarted.check('plan', market(603n), opportunity, route, plan, null)?.rule).not.toBe('kill-switch');
    expect(restarted.killSwitchReason()).toBeNull();
    await expect(restarted.engageKillSwitch('  ', ALICE)).rejects.toThrow('a reason is required');
    const { rows } = await db.store.query<{ engaged: boolean; via: string; reason: string }>('select engaged, via, reason from kill_switch_events order by id');
    expect(rows).toEqual([{ engaged: true, via: 'file', reason: 'exchange incident' }, { engaged: false, via: 'cli', reason: 'incident over' }]);
    expect(audits.filter((a) => a.type.startsWith('kill-switch')).map((a) => a.type)).toEqual(['kill-switch.engage', 'kill-switch.release']);
  });

  it('trips the daily-loss breaker on losses counted from the outcomes, holds it across a restart until re-armed', async () => {
    const p = await open();
    await p.setLimits(['max_daily_loss.WETH=0.0001', 'max_input.WETH=none', 'tokens.deny=none'], ALICE, null);
    // Reverted outcomes each lose their gas: 150k of 200k units of a 0.0001 WETH estimate.
    const reverted = sampleResult(plan, false);
    p.observe(reverted, route);
    expect(p.check('plan', market(700n), opportunity, route, plan, null)).toBeNull();
    p.observe(reverted, route);
    const lock = p.check('plan', market(701n), opportunity, route, plan, null);
    expect(lock).toMatchObject({ rule: 'daily-loss', until: { kind: 'rearm' } });
    expect(lock!.reason).toContain('150000000000000 base units');
    await p.settle();
    const restarted = await open();
    expect(restarted.check('plan', market(702n), opportunity, route, plan, null)?.rule).toBe('daily-loss');
    expect(restarted.status().breakers).toMatchObject([{ breaker: 'daily-loss', until: 're-armed by hand' }]);
    // /metrics says so, read from the exposition text an alert rule would see.
    const metrics = createMetrics({ defaults: false });
    collectStatusGauges(metrics, { mode: 'sim', engine: () => undefined, backups: () => null, protections: () => restarted });
    const text = (await metrics.scrape()).body;
    expect(text).toMatch(/^orion_breaker_tripped\{rule="daily-loss"\} 1$/m);
    expect(text).toMatch(/^orion_breaker_tripped\{rule="revert-breaker"\} 0$/m);
    expect(text).toMatch(/^orion_kill_switch_engaged 0$/m);
    await restarted.rearm('daily-loss', 'reviewed the losses', ALICE);
    expect((await metrics.scrape()).body).toMatch(/^orion_breaker_tripped\{rule="daily-loss"\} 0$/m);
    expect(restarted.check('plan', market(703n), opportunity, route, plan, null)).toBeNull();
    await expect(restarted.rearm('daily-loss', 'again', ALICE)).rejects.toThrow('not tripped');
  });
  it('a breaker trip whose write failed holds through refreshes and is written again; a kill switch engage holds when its write fails', async () => {
    const lossy = lostAnswerStore(db.store);
    const session = await enterModeSession(db.store, 'sim', CHAIN);
    const errors: unknown[] = [];
    const folder = mkdtempSync(join(tmpdir(), 'orion-protections-lossy-'));
    dirs.push(folder);
    const p = await openProtections({ store: lossy, chainId: CHAIN, session: session.id, dataDir: folder, seed: DEFAULT_LIMITS, tokens: () => tokens, onError: (e) => void errors.push(e) });
    await p.setLimits(['max_daily_loss.WETH=none', 'max_input.WETH=none', 'tokens.deny=none', 'revert_breaker.consecutive=2'], ALICE, null);
    const tripsOf = async (): Promise<number> => (await db.store.query<{ n: string }>(
      "select count(*)::text as n from breaker_trips where breaker = 'revert-breaker'")).rows.map((r) => Number(r.n))[0]!;
    const before = await tripsOf();
    // The trip's insert never reaches the database.
    lossy.loseNext('insert into breaker_trips', 'before');
    const reverted = sampleResult(plan, false);
    p.observe(reverted, route);
    p.observe(reverted, route);
    expect(p.check('plan', market(900n), opportunity, route, plan, null)?.rule).toBe('revert-breaker');
    await p.settle();
    expect(errors.map(String)).toEqual([expect.stringMatching(/connection terminated unexpectedly/)]);
    expect(await tripsOf()).toBe(before);
    // A refresh reads no such trip; the breaker holds (its counts were reset when it tripped, so
    // nothing would trip it again), and the refresh writes it again.
    await p.refresh();
    expect(p.check('plan', market(901n), opportunity, route, plan, null)?.rule).toBe('revert-breaker');
    await p.settle();
    expect(await tripsOf()).toBe(before + 1);
    await p.refresh();
    expect(p.check('plan', market(902n), opportunity, route, plan, null)?.rule).toBe('revert-breaker');
    await p.rearm('revert-breaker', 'test over', ALICE);
    // An engage whose write fails still stops the engine here (the API answers with the error).
    lossy.loseNext('insert into kill_switch_events', 'before');
    await expect(p.engageKillSwitch('database down', ALICE)).rejects.toThrow(/connection terminated unexpectedly/);
    expect(p.check('plan', market(903n), opportunity, route, plan, null)?.rule).toBe('kill-switch');
  });

  it('a change whose audit record fails is not made: limits, rollback, re-arm and the kill switch (whose engage still holds here)', async () => {
    const session = await enterModeSession(db.store, 'sim', CHAIN);
    const folder = mkdtempSync(join(tmpdir(), 'orion-protections-audit-'));
    dirs.push(folder);
    let auditFails = false;
    const p = await openProtections({
      store: db.store, chainId: CHAIN, session: session.id, dataDir: folder, seed: DEFAULT_LIMITS, tokens: () => tokens,
      onAudit: () => {
        if (auditFails) throw new Error('audit log unavailable');
      },
    });
    const { currentLimits } = await import('./limits-repository.ts');
    const { openTrips, recordTrip } = await import('./breaker-repository.ts');
    await recordTrip(db.store, { breaker: 'daily-loss', reason: 'test loss', trippedBlock: 950n, untilBlock: null });
    const count = async (table: string): Promise<number> => (await db.store.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n;
    const stored = (await currentLimits(db.store))!;
    const killRows = await count('kill_switch_events');

    auditFails = true;
    await expect(p.setLimits(['max_input.WETH=3.25'], ALICE, 'unaudited')).rejects.toThrow('audit log unavailable');
    expect((await currentLimits(db.store))!.version).toBe(stored.version);
    expect(p.limits().version).toBe(stored.version);
    await expect(p.rollbackLimits(1, ALICE, 'unaudited')).rejects.toThrow('audit log unavailable');
    expect((await currentLimits(db.store))!.version).toBe(stored.version);
    await expect(p.rearm('daily-loss', 'unaudited', ALICE)).rejects.toThrow('audit log unavailable');
    expect((await openTrips(db.store)).map((t) => t.breaker)).toContain('daily-loss');
    // The engage holds in this process (a failing database or audit must not keep it trading), but
    // no row is written without its record.
    await expect(p.engageKillSwitch('unaudited stop', ALICE)).rejects.toThrow('audit log unavailable');
    expect(p.killSwitchReason()).toMatch(/unaudited stop/);
    expect(await count('kill_switch_events')).toBe(killRows);

    auditFails = false;
    await p.engageKillSwitch('audited stop', ALICE);
    expect(await count('kill_switch_events')).toBe(killRows + 1);
    auditFails = true;
    await expect(p.releaseKillSwitch('unaudited release', ALICE)).rejects.toThrow('audit log unavailable');
    expect(p.killSwitchReason()).toMatch(/audited stop/);
    expect(await count('kill_switch_events')).toBe(killRows + 1);
    auditFails = false;
    await p.releaseKillSwitch('test over', ALICE);
    await p.rearm('daily-loss', 'test over', ALICE);
  });
});
