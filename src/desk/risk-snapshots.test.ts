import { expect, it } from 'vitest';
import { modeSnapshots, type RiskSnapshot } from '../ledger/risk/snapshot.ts';
import { RISK_WINDOWS } from '../ledger/risk/windows.ts';
import { forEachBackend } from '../store/test-store.ts';
import { latestRiskSnapshots, saveRiskSnapshots } from './risk.ts';

/**
 * A maintenance run's risk snapshots are stored all or none: the desk and the gauges serve the
 * newest run's rows, so a run whose second insert failed used to replace the whole last run
 * with its first window alone (7d, 30d and all vanished until the next run).
 */

const T0 = Date.UTC(2026, 11, 1, 12);
const run = (at: number): RiskSnapshot[] =>
  modeSnapshots('sim', { tokens: [{ chainId: 1, token: `0x${'0a'.repeat(20)}`, trades: [{ timestamp: at / 1000 - 3_600, pnl: 5n }], usd: { reason: 'none configured' } }] }, new Date(at));

forEachBackend('risk snapshots', (db) => {
  it('a run cut short stores nothing: the last whole run stays served, every window of it', async () => {
    const first = run(T0);
    expect(first.map((s) => s.window)).toEqual([...RISK_WINDOWS]);
    await saveRiskSnapshots(db.store, first);
    const windowsServed = async (): Promise<{ windows: string[]; takenAt: string[] }> => {
      const served = await latestRiskSnapshots(db.store);
      return { windows: served.map((s) => s.window).sort(), takenAt: [...new Set(served.map((s) => s.takenAt))] };
    };
    const before = await windowsServed();
    expect(before).toEqual({ windows: [...RISK_WINDOWS].sort(), takenAt: [new Date(T0).toISOString()] });

    // An hour later the run's second insert fails (the table refuses it, as a lost connection would end it).
    const second = run(T0 + 3_600_000);
    const broken = second.map((s, i) => (i === 1 ? { ...s, window: 'fortnight' as never } : s));
    await expect(saveRiskSnapshots(db.store, broken)).rejects.toThrow();
    expect(await windowsServed()).toEqual(before);
    const { rows } = await db.store.query<{ n: number }>('select count(*)::int as n from risk_snapshots where taken_at = $1', [new Date(T0 + 3_600_000)]);
    expect(rows[0]!.n).toBe(0);
  });
});
