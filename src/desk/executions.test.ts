import { expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { listExecutions } from './executions.ts';
import { includedAt, liveTrade } from './testing/live-trade.ts';

/**
 * An execution as the desk lists it: what it made or lost in the base token. A reverted one
 * realized nothing and paid its gas: its net is minus that gas in the base token (the screen
 * showed "0" realized and gas units, not the loss).
 */
forEachBackend('desk executions', (db) => {
  it('a reverted execution shows its loss (the gas paid, in the base token) as its net; a landed one realized − gas; both dated by inclusion', async () => {
    await liveTrade(db.store, 61, { realized: 9_000n, gasBase: 1_250n });
    const reverted = await liveTrade(db.store, 62, { realized: 0n, gasBase: 1_500n, reverted: true });
    await includedAt(db.store, reverted, '2026-11-30T08:00:00.123456Z');
    const page = await listExecutions(db.store, { limit: 10, mode: 'live' });
    const byStatus = new Map(page.rows.map((e) => [e.status, e]));
    const lost = byStatus.get('reverted')!;
    expect([lost.realizedProfit?.raw, lost.gas.costInBase?.raw, lost.net?.raw]).toEqual(['0', '1500', '-1500']);
    expect(lost.inclusion.includedAt).toBe('2026-11-30T08:00:00.123Z');
    const made = byStatus.get('included')!;
    expect([made.realizedProfit?.raw, made.gas.costInBase?.raw, made.net?.raw]).toEqual(['9000', '1250', '7750']);
    expect(made.inclusion.includedAt).not.toBeNull();
    expect(page.rows.map((e) => e.gas.cost?.raw)).toEqual(['100000', '100000']);
  });
});
