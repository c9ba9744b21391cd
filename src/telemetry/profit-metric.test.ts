import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessBus } from '../bus/index.ts';
import type { BlockClock, SimulatedEvent } from '../engine/events.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from '../ledger/testing/sample-records.ts';
import { createMetrics } from '../metrics/registry.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createEngineTelemetry } from './engine-telemetry.ts';
import { createExecutionTelemetry } from './execution-telemetry.ts';
import { loadDecimalsUnknown } from './profit-metric.ts';
import { settledIntent } from './testing/settled-intent.ts';

/**
 * Profit of a token whose decimals are unknown is never counted as token units: the market lists
 * such a token with decimals 0, and read so, one whole token of 18 decimals counted 10^18 in
 * orion_profit_total. Expected values are worked out by hand from the amounts the test hands in.
 */

const bus = createInProcessBus();
afterAll(() => bus.close());
/** 18 decimals on chain, but the market could not read them: listed with decimals 0. */
const ODD = `0x${'0d'.repeat(20)}`;
/** A token the market does not have at all. */
const STRANGER = `0x${'0e'.repeat(20)}`;
const tokens = new TokenDirectory([{ address: SAMPLE_BASE, symbol: 'WETH', decimals: 18 }, { address: ODD as `0x${string}`, symbol: 'ODD', decimals: 0 }], [ODD]);

/** The exposition lines of metric `name`, as `{labels} value`. */
async function seriesOf(metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> {
  return (await metrics.scrape()).body.split('\n').filter((line) => line.startsWith(`${name}{`)).map((line) => line.slice(name.length));
}

describe('profit of tokens whose decimals are unknown', () => {
  it('simulated: WETH in token units, ODD (decimals unknown) and a token the market lacks in base units on their own series, by full address', async () => {
    const metrics = createMetrics({ defaults: false });
    const telemetry = createEngineTelemetry({ metrics, bus, mode: 'sim', tokens: () => tokens, notify: () => undefined });
    const plan = samplePlan(sampleOpportunity(0), 100n);
    const gain = (baseToken: string, profit: bigint) => ({ ...sampleResult(plan, true), plan: { ...plan, baseToken: baseToken as `0x${string}` }, profit });
    const clock: BlockClock = { timing: null, appliedAt: 0, rankedAt: 0, decidedAt: 0, recordedAt: 0, simulatedAt: 0 } as never;
    const event: SimulatedEvent = {
      type: 'simulated', header: { number: 100n } as never, clock, skipped: [],
      results: [gain(SAMPLE_BASE, 2n * 10n ** 18n), gain(ODD, 15n * 10n ** 17n), gain(STRANGER, 7n)],
    };
    telemetry.onSimulated(event);
    expect(await seriesOf(metrics, 'orion_profit_total')).toEqual(['{mode="sim",token="WETH",kind="simulated"} 2']);
    expect((await seriesOf(metrics, 'orion_profit_base_units_total')).sort()).toEqual([
      `{mode="sim",token="${ODD}",kind="simulated"} 1500000000000000000`,
      `{mode="sim",token="${STRANGER}",kind="simulated"} 7`,
    ]);
  });

  it('realized: a live execution landing a profit in ODD counts its base units apart, never in orion_profit_total, and its notification says base units', async () => {
    const metrics = createMetrics({ defaults: false });
    const texts: string[] = [];
    const telemetry = createExecutionTelemetry({ metrics, bus, tokens: () => tokens, notify: (e) => texts.push(e.text), gasMoneyFloor: () => 0, onError: (error) => { throw error; } });
    telemetry.onSettled(settledIntent(1n, ODD, 3n * 10n ** 18n));
    telemetry.onSettled(settledIntent(2n, SAMPLE_BASE, 5n * 10n ** 17n));
    expect(await seriesOf(metrics, 'orion_profit_total')).toEqual(['{mode="live",token="WETH",kind="realized"} 0.5']);
    expect(await seriesOf(metrics, 'orion_profit_base_units_total')).toEqual([`{mode="live",token="${ODD}",kind="realized"} 3000000000000000000`]);
    expect(texts[0]).toContain('profit 3000000000000000000 base units of ODD (decimals unknown)');
    expect(texts[1]).toContain('profit 0.5 WETH');
  });
});

forEachBackend('the tokens whose decimals are unknown', (ctx) => {
  it('are those of the chain the market stored with decimals_known false', async () => {
    const row = (chainId: number, address: string, known: boolean) => ctx.store.query(
      'insert into market_token (chain_id, address, symbol, decimals, decimals_known) values ($1, $2, $3, $4, $5)', [chainId, address, 'T', known ? 18 : 0, known]);
    await row(1, ODD, false);
    await row(1, SAMPLE_BASE, true);
    await row(10, STRANGER, false); // another chain's
    expect([...(await loadDecimalsUnknown(ctx.store, 1))]).toEqual([ODD]);
    expect([...(await loadDecimalsUnknown(ctx.store, 10))]).toEqual([STRANGER]);
    expect([...(await loadDecimalsUnknown(ctx.store, 5))]).toEqual([]);
  });
});
