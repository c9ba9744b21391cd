import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessBus, type BusMessage } from '../bus/index.ts';
import type { BlockClock, DecidedEvent, SimulatedEvent } from '../engine/events.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from '../ledger/testing/sample-records.ts';
import { createMetrics } from '../metrics/registry.ts';
import type { NotifyEvent } from '../notify/events.ts';
import { createEngineTelemetry } from './engine-telemetry.ts';
import { collectStatusGauges } from './status-gauges.ts';
import { startStallWatch } from './stall-watch.ts';

/**
 * The engine's events through the telemetry: the figures /metrics shows and the messages the bus
 * carries, checked against counts made by hand from the events the test builds (what the
 * engine hands its callbacks: decided sightings, simulation results, skipped plans).
 */

const bus = createInProcessBus();
afterAll(() => bus.close());
const tokens = new TokenDirectory([{ address: SAMPLE_BASE, symbol: 'WETH', decimals: 18 }, { address: `0x${'0b'.repeat(20)}`, symbol: 'USDC', decimals: 6 }]);
const header = (n: bigint) => ({ number: n, hash: `0x${n.toString(16).padStart(64, '0')}` as const, parentHash: `0x${'0'.repeat(64)}` as const, timestamp: 0n, baseFeePerGas: 10n ** 9n, gasLimit: 30_000_000n, gasUsed: 0n });
const clock = (): BlockClock => ({ timing: { source: 'ws', headSeenAt: 1000, fetchedAt: 1002 }, appliedAt: 1003, rankedAt: 1005, decidedAt: 1006, recordedAt: 1006.5 });

/** Checks each series' value in the exposition text. */
function expectSeries(text: string, expected: Record<string, number>): void {
  for (const [line, value] of Object.entries(expected)) expect(series(text, line), line).toBe(value);
}

/** The value of one series in the exposition text (0 when absent). */
function series(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('engine telemetry', () => {
  it('counts opportunities, decisions by rule, simulations, reverts, profit, gas, resyncs and stage times; publishes each block once per channel', async () => {
    const metrics = createMetrics({ defaults: false });
    const notified: NotifyEvent[] = [];
    const telemetry = createEngineTelemetry({ metrics, bus, mode: 'sim', tokens: () => tokens, notify: (e) => notified.push(e) });
    const messages: BusMessage[] = [];
    const stop = await bus.subscribe(['opportunities', 'decisions', 'simulations'], (m) => messages.push(m));

    const o = [0, 1, 2].map((n) => sampleOpportunity(n));
    const plans = [samplePlan(o[0]!, 100n), samplePlan(o[1]!, 100n)];
    const decided: DecidedEvent = {
      type: 'decided', header: header(100n), fee: undefined as never, clock: clock(), plans,
      sightings: [
        { opportunity: o[0]!, isNew: true, decision: { outcome: 'planned', plan: plans[0]! } },
        { opportunity: o[1]!, isNew: true, decision: { outcome: 'planned', plan: plans[1]! } },
        { opportunity: o[2]!, isNew: true, decision: { outcome: 'rejected', rule: 'min-net-profit', reason: 'below 0.01 WETH' } },
        { opportunity: sampleOpportunity(3, 1), isNew: false, decision: null },
      ],
    };
    telemetry.onDecided(decided);
    const simClock = { ...decided.clock, simulatedAt: 1010, recordedAt: 1010.25 };
    const failed = { ...sampleResult(plans[1]!, false), status: 'failed' as const, revert: null, gasUsed: null, error: 'connection refused' };
    const simulated: SimulatedEvent = { type: 'simulated', header: header(100n), clock: simClock, skipped: [], results: [sampleResult(plans[0]!, true), sampleResult(plans[1]!, false), failed] };
    telemetry.onSimulated(simulated);
    telemetry.onSimulated({ type: 'simulated', header: header(101n), clock: clock(), results: [], skipped: [{ plan: plans[0]!, reason: 'the executor moved on to block 102' }] });
    await new Promise<void>((resolve) => {
      const wait = (): void => void (messages.length >= 4 ? resolve() : setTimeout(wait, 5));
      wait();
    });
    await stop();

    const text = (await metrics.scrape()).body;
    expectSeries(text, {
      'orion_opportunities_total{mode="sim"}': 3,
      'orion_decisions_total{mode="sim",outcome="planned",rule=""}': 2,
      'orion_decisions_total{mode="sim",outcome="rejected",rule="min-net-profit"}': 1,
      'orion_simulations_total{mode="sim",status="ok"}': 1,
      'orion_simulations_total{mode="sim",status="reverted"}': 1,
      'orion_simulations_total{mode="sim",status="failed"}': 1,
      'orion_simulations_total{mode="sim",status="skipped"}': 1,
      'orion_simulation_reverts_total{mode="sim",reason="InsufficientProfit"}': 1,
      'orion_stage_resyncs_total{stage="execute"}': 1,
      'orion_gas_spent_total{mode="sim",kind="simulation"}': 300_000, // two results used 150,000 each
    });
    // The ok result's profit, in WETH: expectedProfit / 1e18.
    expect(series(text, 'orion_profit_total{mode="sim",token="WETH",kind="simulated"}')).toBeCloseTo(Number(plans[0]!.expectedProfit) / 1e18, 12);
    // Stage times from the clock: fetch 2 ms, apply 1, rank 2, decide 1; simulate 4 (1006 → 1010), record 0.25.
    expect(series(text, 'orion_stage_latency_seconds_sum{stage="fetch"}')).toBeCloseTo(0.002, 9);
    expect(series(text, 'orion_stage_latency_seconds_sum{stage="rank"}')).toBeCloseTo(0.002, 9);
    expect(series(text, 'orion_stage_latency_seconds_sum{stage="simulate"}')).toBeCloseTo(0.004, 9);
    expect(series(text, 'orion_stage_latency_seconds_count{stage="record"}')).toBe(1); // the block had plans: timed after its simulation
    expect(series(text, 'orion_stage_latency_seconds_sum{stage="record"}')).toBeCloseTo(0.00025, 9);

    expect(messages.map((m) => m.channel)).toEqual(['opportunities', 'decisions', 'simulations', 'simulations']);
    const fresh = messages[0]!.data as { block: string; opportunities: Array<{ route: string; amountIn: string; view: { amountIn: { raw: string; display: string } } }> };
    expect(fresh.block).toBe('100');
    expect(fresh.opportunities).toHaveLength(3); // the state seen again is not news
    expect(fresh.opportunities[0]).toMatchObject({ route: 'WETH>USDC>WETH', amountIn: o[0]!.amountIn.toString(), view: { amountIn: { raw: o[0]!.amountIn.toString(), display: '1 WETH' } } });
    const decisions = (messages[1]!.data as { decisions: Array<{ outcome: string; rule: string | null; reason: string | null }> }).decisions;
    expect(decisions.map((d) => [d.outcome, d.rule])).toEqual([['planned', null], ['planned', null], ['rejected', 'min-net-profit']]);
    const sims = messages[2]!.data as { results: Array<{ status: string; revert: { name: string } | null }> };
    expect(sims.results.map((r) => r.status)).toEqual(['ok', 'reverted', 'failed']);
    expect(sims.results[1]!.revert?.name).toBe('InsufficientProfit');
    expect((messages[3]!.data as { skipped: Array<{ reason: string }> }).skipped[0]!.reason).toMatch(/moved on to block 102/);

    // One notification for the block whose simulations could not run.
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({ type: 'execution.failed', details: { block: '100', failed: 1, error: 'connection refused' } });
  });

  it('reads the engine up, block lag, ledger backlog and backup figures at each scrape; status counters grow by their increase', async () => {
    const metrics = createMetrics({ defaults: false });
    type Status = {
      market: { freshness: { ageBlocks: number | null }; monitor: { knownHead: bigint; tip: { number: bigint } } }; ledger: { pendingRows: number; failedFlushes: number };
      executor?: { live: { submission: 'public' | 'bundle'; inclusionFailures: Record<string, number> } | null };
    };
    const held: { engine?: Status } = {};
    let failures = 0;
    const stop = collectStatusGauges(metrics, {
      mode: 'sim',
      engine: () => held.engine as never,
      backups: () => (failures < 0 ? null : { dir: '/b', intervalSeconds: 300, keep: 3, last: { file: 'f', at: '', ageSeconds: 42 }, failures, lastError: null, running: false }),
    });
    let text = (await metrics.scrape()).body;
    expect(series(text, 'orion_engine_up{mode="sim"}')).toBe(0);
    const engine: Status = { market: { freshness: { ageBlocks: null }, monitor: { knownHead: 110n, tip: { number: 107n } } }, ledger: { pendingRows: 12, failedFlushes: 2 } };
    held.engine = engine;
    failures = 1;
    text = (await metrics.scrape()).body;
    expectSeries(text, {
      'orion_engine_up{mode="sim"}': 1, orion_block_lag_blocks: 3, orion_ledger_pending_rows: 12, orion_ledger_write_failures_total: 2,
      orion_last_backup_age_seconds: 42, orion_backup_failures_total: 1,
    });
    engine.ledger.failedFlushes = 5;
    engine.market.freshness.ageBlocks = 1;
    // Live submissions that missed, by reason: the executor's running counts become counters.
    engine.executor = { live: { submission: 'bundle', inclusionFailures: { 'pools-moved-first': 2 } } };
    text = (await metrics.scrape()).body;
    expect(series(text, 'orion_ledger_write_failures_total')).toBe(5);
    expect(series(text, 'orion_inclusion_failures_total{mode="bundle",reason="pools-moved-first"}')).toBe(2);
    engine.executor.live!.inclusionFailures = { 'pools-moved-first': 3, 'base-fee-above-cap': 1 };
    text = (await metrics.scrape()).body;
    expectSeries(text, { 'orion_inclusion_failures_total{mode="bundle",reason="pools-moved-first"}': 3, 'orion_inclusion_failures_total{mode="bundle",reason="base-fee-above-cap"}': 1 });
    expect(series(text, 'orion_block_lag_blocks')).toBe(1);
    failures = -1; // backups off: no backup at all reads as infinitely old, so the alert fires
    text = (await metrics.scrape()).body;
    expect(text).toContain('orion_last_backup_age_seconds +Inf');
    stop();
  });

  it('after a mode switch only the running mode has engine-up, daily-loss and gas-money series, even when the relaunch failed', async () => {
    // The platform's restart(mode): the engine stops, the running mode becomes the new one, then the
    // relaunch throws (no engine). OrionEngineDown is max(orion_engine_up) == 0 and
    // OrionDailyLossNearLimit reads orion_daily_loss_ratio: neither may read the old mode's series.
    const metrics = createMetrics({ defaults: false });
    let mode: 'sim' | 'live' = 'sim';
    let running = true;
    const engine = { market: { freshness: { ageBlocks: 0 }, monitor: { knownHead: 1n, tip: { number: 1n } } }, ledger: { pendingRows: 0, failedFlushes: 0 } };
    // The protections' status as the service reports it: 0.9 WETH lost of a 1 WETH daily limit, 2 ether for gas.
    const status = { killSwitch: null, breakers: [], dailyPnl: { day: '2026-12-04', byToken: { [SAMPLE_BASE]: '-900000000000000000' } }, gasMoney: { account: '0x', balance: '2000000000000000000', feePerGas: '1', gasPerExecution: '1', executionsLeft: '7', floor: 3, block: '1', enforced: true } };
    const protections = { status: () => status, limits: () => ({ limits: { maxDailyLoss: { [SAMPLE_BASE]: 10n ** 18n } } }) };
    collectStatusGauges(metrics, { mode: () => mode, engine: () => (running ? (engine as never) : undefined), backups: () => null, protections: () => protections as never });
    const lines = async (name: string): Promise<string[]> => (await metrics.scrape()).body.split('\n').filter((l) => l.startsWith(`${name}{`));
    expect(await lines('orion_engine_up')).toEqual(['orion_engine_up{mode="sim"} 1']);
    expect(await lines('orion_daily_loss_ratio')).toEqual(['orion_daily_loss_ratio{mode="sim"} 0.9']);
    expect(await lines('orion_hot_key_balance_ether')).toEqual(['orion_hot_key_balance_ether{mode="sim"} 2']);
    expect(await lines('orion_hot_key_executions_left')).toEqual(['orion_hot_key_executions_left{mode="sim"} 7']);
    mode = 'live';
    running = false;
    const up = await lines('orion_engine_up');
    expect(up).toEqual(['orion_engine_up{mode="live"} 0']);
    expect(Math.max(...up.map((l) => Number(l.split(' ').at(-1))))).toBe(0);
    expect(await lines('orion_daily_loss_ratio')).toEqual(['orion_daily_loss_ratio{mode="live"} 0.9']);
    expect(await lines('orion_hot_key_balance_ether')).toEqual(['orion_hot_key_balance_ether{mode="live"} 2']);
    // No gas-money reading in the new mode: no series at all, not the old mode's balance.
    (status as { gasMoney: unknown }).gasMoney = null;
    expect(await lines('orion_hot_key_balance_ether')).toEqual([]);
    expect(await lines('orion_hot_key_executions_left')).toEqual([]);
  });

  it('says a stall once, and again only after blocks resumed and stopped again', () => {
    let now = 0;
    const stalls: Array<[bigint | null, number]> = [];
    const watch = startStallWatch({ thresholdMs: 60_000, now: () => now, onStall: (block, quiet) => stalls.push([block, quiet]) });
    watch.beat(7n);
    now = 59_999;
    watch.check();
    expect(stalls).toEqual([]);
    now = 60_000;
    watch.check();
    now = 90_000;
    watch.check();
    expect(stalls).toEqual([[7n, 60_000]]);
    watch.beat(8n);
    now = 150_000;
    watch.check();
    expect(stalls).toEqual([[7n, 60_000], [8n, 60_000]]);
    watch.stop();
  });
});
