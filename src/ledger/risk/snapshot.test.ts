import { describe, expect, it } from 'vitest';
import { modeSnapshots, type TimedExecution } from './snapshot.ts';
import type { Trade } from './pnl-series.ts';
import { inWindow } from './windows.ts';

/**
 * Risk per window against a hand-worked series: each trade sits just inside or just outside a
 * window's start (the start is inclusive: a trade exactly one window old is in), and the
 * expected figures are worked out by hand below, then checked again against a second,
 * deliberately simple implementation of the daily Sharpe written here.
 */

const NOW = Date.parse('2026-06-10T00:00:00Z') / 1000;
const HOUR = 3600;
const DAY = 24 * HOUR;

// name: [age in seconds before NOW, pnl]
const SERIES = {
  t1: [40 * DAY, 50n], // all only
  t3: [30 * DAY + 1, 7n], // one second before the 30-day start: all only
  t2: [30 * DAY, -20n], // exactly at the 30-day start: in 30d
  t5: [7 * DAY + 1, -3n], // one second before the 7-day start: 30d
  t4: [7 * DAY, 10n], // exactly at the 7-day start: in 7d
  t7: [DAY + 1, -6n], // one second before the 24-hour start: 7d
  t6: [DAY, 4n], // exactly at the 24-hour start: in 24h
  t8: [HOUR, 12n],
  t9: [-1, 100n], // a second after the snapshot: in no window
} as const;
const trade = (name: keyof typeof SERIES): Trade => ({ timestamp: NOW - SERIES[name][0], pnl: SERIES[name][1] });
// Given newest first: the windows must not depend on the order.
const TRADES = (Object.keys(SERIES) as Array<keyof typeof SERIES>).reverse().map(trade);

/** Which trades each window holds, by hand (in time order). */
const MEMBERS = {
  '24h': ['t6', 't8'],
  '7d': ['t4', 't7', 't6', 't8'],
  '30d': ['t2', 't5', 't4', 't7', 't6', 't8'],
  all: ['t1', 't3', 't2', 't5', 't4', 't7', 't6', 't8'],
} as const;

/**
 * By hand: totals; equity paths 24h 4,16 · 7d 10,4,8,20 · 30d −20,−23,−13,−19,−15,−3 ·
 * all 50,57,37,34,44,38,42,54; max drawdown from a peak starting at 0; VaR 95 = the worst trade
 * (nearest rank ⌈0.05·n⌉ = 1 for n ≤ 20), negated.
 */
const HAND = {
  '24h': { trades: 2, totalPnl: 16n, winRate: 1, maxDrawdown: 0n, var95: -4n },
  '7d': { trades: 4, totalPnl: 20n, winRate: 3 / 4, maxDrawdown: 6n, var95: 6n },
  '30d': { trades: 6, totalPnl: -3n, winRate: 3 / 6, maxDrawdown: 23n, var95: 20n },
  all: { trades: 8, totalPnl: 54n, winRate: 5 / 8, maxDrawdown: 23n, var95: 20n },
} as const;

/** A second Sharpe: P&L per UTC date string, every date from the first trade's to the last's, less `dailyRiskFree`, mean/σ(n − 1)·√365. */
function simpleSharpe(trades: readonly Trade[], dailyRiskFree = 0): number {
  const byDate = new Map<string, number>();
  for (const t of trades) {
    const date = new Date(t.timestamp * 1000).toISOString().slice(0, 10);
    byDate.set(date, (byDate.get(date) ?? 0) + Number(t.pnl));
  }
  const dates = [...byDate.keys()].sort();
  const values: number[] = [];
  for (let d = new Date(`${dates[0]}T00:00:00Z`); d.toISOString().slice(0, 10) <= dates[dates.length - 1]!; d = new Date(d.getTime() + DAY * 1000)) {
    values.push((byDate.get(d.toISOString().slice(0, 10)) ?? 0) - dailyRiskFree);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return (mean / sd) * Math.sqrt(365);
}

describe('risk per window', () => {
  const snapshots = modeSnapshots('live', {
    tokens: [{ chainId: 1, token: '0xweth', trades: TRADES, usd: { price: { numerator: 2000n, denominator: 1n }, pool: '0xpool', stable: '0xusdc', block: 7n } }],
    funnel: [{ stage: 'detected', count: 8 }, { stage: 'realized', count: 2 }],
  }, new Date(NOW * 1000));
  const byWindow = Object.fromEntries(snapshots.map((s) => [s.window, s]));

  it('one snapshot per window, each with the trades of its window only (start inclusive, the future excluded)', () => {
    expect(snapshots.map((s) => s.window)).toEqual(['24h', '7d', '30d', 'all']);
    for (const [window, names] of Object.entries(MEMBERS)) {
      expect(byWindow[window]!.risk.equityCurve.map((p) => p.timestamp), window).toEqual(names.map((n) => trade(n).timestamp));
      expect(byWindow[window]!.risk, window).toMatchObject(HAND[window as keyof typeof HAND]);
    }
  });

  it('the daily ratios agree with a simple second implementation, window by window', () => {
    for (const window of ['7d', '30d', 'all'] as const) {
      const trades = MEMBERS[window].map(trade);
      expect(byWindow[window]!.risk.sharpe, window).toBeCloseTo(simpleSharpe(trades), 10);
    }
    // 24h: t6 falls on 2026-06-09, t8 on 2026-06-09 too: one day, no ratio.
    expect(byWindow['24h']!.risk.sharpe).toBeNull();
    expect(byWindow['24h']!.risk.reasons.sharpe).toMatch(/2 days/);
  });

  it('USD beside the base token: each trade at 2,000 stablecoin units per base unit', () => {
    for (const window of ['24h', '7d', '30d', 'all'] as const) {
      const usd = byWindow[window]!.usd!;
      expect(usd).toMatchObject({ pool: '0xpool', stable: '0xusdc', block: 7n });
      expect(usd.risk.totalPnl).toBe(HAND[window].totalPnl * 2000n);
      expect(usd.risk.maxDrawdown).toBe(HAND[window].maxDrawdown * 2000n);
      expect(byWindow[window]!.usdReason).toBeNull();
    }
  });

  it('execution figures per window; the funnel is the session\'s in every window', () => {
    const executions: TimedExecution[] = [
      { timestamp: NOW - DAY, predictedProfit: 10n, realizedProfit: 8n, gasCost: 1n, reverted: false },
      { timestamp: NOW - DAY - 1, predictedProfit: 10n, realizedProfit: null, gasCost: 2n, reverted: true },
      { timestamp: NOW - 8 * DAY, predictedProfit: 10n, realizedProfit: null, gasCost: 4n, reverted: true },
    ];
    const [day, week, month] = modeSnapshots('live', { tokens: [{ chainId: 1, token: '0xweth', trades: [], executions, usd: { reason: 'none' } }] }, new Date(NOW * 1000), { windows: ['24h', '7d', '30d'] });
    expect([day!.execution.revertRate, week!.execution.revertRate, month!.execution.revertRate]).toEqual([0, 1 / 2, 2 / 3]);
    expect([day!.execution.gasSpent, week!.execution.gasSpent, month!.execution.gasSpent]).toEqual([1n, 3n, 7n]);
    expect(byWindow['24h']!.funnel).toEqual(byWindow['all']!.funnel);
    expect(byWindow['all']!.funnel[1]).toMatchObject({ stage: 'realized', fromPrevious: 0.25 });
  });

  it('no USD price: the USD figures are null with the reason; a mode without trades has one empty snapshot per window', () => {
    const [unpriced] = modeSnapshots('sim', { tokens: [{ chainId: 1, token: '0xweth', trades: TRADES, usd: { reason: 'no USD reference pool is configured for this token' } }] }, new Date(NOW * 1000), { windows: ['all'] });
    expect(unpriced).toMatchObject({ usd: null, usdReason: 'no USD reference pool is configured for this token', risk: { totalPnl: 54n } });
    const empty = modeSnapshots('sim', { tokens: [] }, new Date(NOW * 1000));
    expect(empty.map((s) => [s.window, s.token, s.risk.trades, s.usd, s.usdReason])).toEqual(['24h', '7d', '30d', 'all'].map((w) => [w, null, 0, null, 'no trades']));
    expect(empty[3]!.risk.reasons.var95).toBe('no trades');
  });

  it('drawdown as a percentage of the capital, in the base token and in USD; a capital that cannot be used gives its reason', () => {
    const price = { numerator: 2000n, denominator: 1n };
    const [all] = modeSnapshots('live', { tokens: [{ chainId: 1, token: '0xweth', trades: TRADES, capital: 1000n, usd: { price, pool: '0xpool', stable: '0xusdc', block: null } }] }, new Date(NOW * 1000), { windows: ['all'] });
    // By hand: drawdown 23 of a capital of 1,000 = 2.3 %; in USD 46,000 of 2,000,000, the same 2.3 %.
    expect(all!.risk.maxDrawdownPct).toBeCloseTo(2.3, 12);
    expect(all!.usd!.risk.maxDrawdownPct).toBeCloseTo(2.3, 12);
    const [refused] = modeSnapshots('live', { tokens: [{ chainId: 1, token: '0xweth', trades: TRADES, capital: { reason: 'the capital WETH=0.1 cannot be scaled' }, usd: { reason: 'none' } }] }, new Date(NOW * 1000), { windows: ['all'] });
    expect(refused!.risk.maxDrawdownPct).toBeNull();
    expect(refused!.risk.reasons.maxDrawdownPct).toBe('the capital WETH=0.1 cannot be scaled');
    expect(byWindow['all']!.risk.reasons.maxDrawdownPct).toBe('no capital given');
  });

  it('a risk-free rate is taken off each day for a series with a capital, and only then', () => {
    const source = { tokens: [
      { chainId: 1, token: '0xweth', trades: TRADES, capital: 3650n, usd: { reason: 'none' } },
      { chainId: 1, token: '0xusdc', trades: TRADES, usd: { reason: 'none' } },
    ] };
    const [withCapital, without] = modeSnapshots('live', source, new Date(NOW * 1000), { windows: ['all'], risk: { riskFreeRate: 0.1 } });
    // 10 % a year on 3,650 = 365 a year = 1 a day.
    expect(withCapital!.risk.sharpe).toBeCloseTo(simpleSharpe(MEMBERS.all.map(trade), 1), 10);
    expect(withCapital!.risk.sharpe).not.toBeCloseTo(simpleSharpe(MEMBERS.all.map(trade)), 3);
    expect(without!.risk.sharpe).toBeCloseTo(simpleSharpe(MEMBERS.all.map(trade)), 10);
  });

  it('window boundaries: a moment exactly one window old is in, a second older is out', () => {
    expect([inWindow(NOW - DAY, '24h', NOW), inWindow(NOW - DAY - 1, '24h', NOW), inWindow(NOW, '24h', NOW), inWindow(NOW + 1, 'all', NOW), inWindow(0, 'all', NOW)]).toEqual([true, false, true, false, true]);
  });
});
