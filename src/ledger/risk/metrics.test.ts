import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskReport, type RiskReport } from './metrics.ts';
import type { Trade } from './pnl-series.ts';

const DAY = 86_400;
const T0 = 1_704_067_200; // 2024-01-01T00:00:00Z

/** Trades at T0 + day·DAY + i seconds. */
function trades(rows: readonly [day: number, pnl: number][]): Trade[] {
  return rows.map(([day, pnl], i) => ({ timestamp: T0 + day * DAY + i, pnl: BigInt(pnl) }));
}

/** No figure is ever NaN or ±Infinity, and every null has a reason. */
function assertDefined(report: RiskReport): void {
  for (const [key, value] of Object.entries(report)) {
    if (typeof value === 'number') expect(Number.isFinite(value), `${key} = ${value}`).toBe(true);
    if (value === null) expect(report.reasons[key as keyof RiskReport['reasons']], `reason of ${key}`).toBeTypeOf('string');
  }
}

describe('riskReport on a hand-worked series', () => {
  // pnl 100, −50 (day 0), 30 (day 1), −80 (day 2), 20 (day 3); worked out on paper below.
  const series = trades([[0, 100], [0, -50], [1, 30], [2, -80], [3, 20]]);
  const report = riskReport(series, { capital: 1000n });

  it('per-trade figures', () => {
    expect(report.trades).toBe(5);
    expect(report.totalPnl).toBe(20n);
    expect(report.winRate).toBe(0.6);
    // equity 100, 50, 80, 0, 20: peak 100, trough 0.
    expect(report.maxDrawdown).toBe(100n);
    expect(report.maxDrawdownPct).toBe(10);
    // sorted −80, −50, 20, 30, 100; nearest rank ⌈0.05·5⌉ = ⌈0.01·5⌉ = 1.
    expect(report.var95).toBe(80n);
    expect(report.var99).toBe(80n);
    expect(report.es95).toBe(80);
    expect(report.profitFactor).toBeCloseTo(150 / 130, 14);
    expect(report.expectancy).toBe(4);
    // deviations from 4: 96, −54, 26, −84, 16 → Σ² = 20120, σ = √(20120/4).
    const sigma = Math.sqrt(20120 / 4);
    expect(report.sqn).toBeCloseTo((Math.sqrt(5) * 4) / sigma, 12);
    expect(report.var95Parametric).toBeCloseTo(1.6448536269514722 * sigma - 4, 9);
    expect(report.var99Parametric).toBeCloseTo(2.3263478740408408 * sigma - 4, 9);
    expect(report.equityCurve.map((p) => p.equity)).toEqual([100n, 50n, 80n, 0n, 20n]);
  });

  it('daily ratios annualised with √365', () => {
    // daily 50, 30, −80, 20: mean 5, deviations 45, 25, −85, 15 → Σ² = 10100.
    expect(report.days).toBe(4);
    expect(report.sharpe).toBeCloseTo((5 / Math.sqrt(10100 / 3)) * Math.sqrt(365), 12);
    // downside deviation √(80²/4) = 40.
    expect(report.sortino).toBeCloseTo((5 / 40) * Math.sqrt(365), 12);
    // daily equity 50, 80, 0, 20: drawdown 80.
    expect(report.calmar).toBeCloseTo((5 * 365) / 80, 12);
    assertDefined(report);
  });

  it('a quiet day counts as a day of zero P&L, and N changes only the annualisation', () => {
    const gap = riskReport(trades([[0, 10], [2, -4]]), { periodsPerYear: 252 });
    // daily 10, 0, −4: mean 2, deviations 8, −2, −6 → Σ² = 104.
    expect(gap.days).toBe(3);
    expect(gap.sharpe).toBeCloseTo((2 / Math.sqrt(104 / 2)) * Math.sqrt(252), 12);
  });

  it('a risk-free rate on the capital is taken off each day', () => {
    const rf = riskReport(series, { capital: 36_500n, riskFreeRate: 0.1 }); // 10 per day
    // excess −5 on average, deviations unchanged; downside of 40, 20, −90, 10 → √(8100/4) = 45.
    expect(rf.sharpe).toBeCloseTo((-5 / Math.sqrt(10100 / 3)) * Math.sqrt(365), 12);
    expect(rf.sortino).toBeCloseTo((-5 / 45) * Math.sqrt(365), 12);
  });
});

describe('riskReport edge cases: defined answers, never NaN', () => {
  it('an empty series', () => {
    const report = riskReport([]);
    expect(report.trades).toBe(0);
    expect(report.totalPnl).toBe(0n);
    for (const key of ['winRate', 'maxDrawdown', 'var95', 'es95', 'sharpe', 'sortino', 'calmar', 'profitFactor', 'expectancy', 'sqn'] as const) {
      expect(report[key]).toBeNull();
      expect(report.reasons[key]).toBe('no trades');
    }
    assertDefined(report);
  });

  it('one trade', () => {
    const report = riskReport(trades([[0, -7]]), { capital: 70n });
    expect(report.winRate).toBe(0);
    expect(report.maxDrawdown).toBe(7n);
    expect(report.maxDrawdownPct).toBe(10);
    expect(report.var95).toBe(7n);
    expect(report.expectancy).toBe(-7);
    expect(report.profitFactor).toBe(0);
    expect(report.sqn).toBeNull();
    expect(report.reasons.sqn).toMatch(/at least 2 trades/);
    expect(report.sharpe).toBeNull();
    expect(report.reasons.sharpe).toMatch(/2 days/);
    assertDefined(report);
  });

  it('all losses', () => {
    const report = riskReport(trades([[0, -1], [1, -2], [2, -3]]));
    expect(report.winRate).toBe(0);
    expect(report.profitFactor).toBe(0);
    expect(report.maxDrawdown).toBe(6n);
    expect(report.maxDrawdownPct).toBeNull();
    expect(report.reasons.maxDrawdownPct).toBe('no capital given');
    // daily −1, −2, −3: mean −2, σ 1; downside √(14/3).
    expect(report.sharpe).toBeCloseTo(-2 * Math.sqrt(365), 12);
    expect(report.sortino).toBeCloseTo((-2 / Math.sqrt(14 / 3)) * Math.sqrt(365), 12);
    expect(report.calmar).toBeCloseTo((-2 * 365) / 6, 12);
    assertDefined(report);
  });

  it('all wins and identical trades', () => {
    const report = riskReport(trades([[0, 5], [1, 5]]));
    expect(report.profitFactor).toBeNull();
    expect(report.maxDrawdown).toBe(0n);
    expect(report.sqn).toBeNull();
    expect(report.sharpe).toBeNull();
    expect(report.sortino).toBeNull();
    expect(report.calmar).toBeNull();
    assertDefined(report);
  });
});

// A second, deliberately naive implementation of the per-trade definitions.
function naive(pnls: number[]): { drawdown: number; var95: number; es95: number; winRate: number; profitFactor: number | null } {
  const equity = [0];
  for (const p of pnls) equity.push(equity[equity.length - 1]! + p);
  let drawdown = 0;
  for (let i = 0; i < equity.length; i++) for (let j = i; j < equity.length; j++) drawdown = Math.max(drawdown, equity[i]! - equity[j]!);
  const sorted = [...pnls].sort((a, b) => a - b);
  // Nearest rank: the smallest k with k/n ≥ 5 %, counted by hand.
  let k = 1;
  while (k / pnls.length < 0.05) k++;
  const tail = sorted.slice(0, k);
  const wins = pnls.filter((p) => p > 0).reduce((a, b) => a + b, 0);
  const losses = pnls.filter((p) => p < 0).reduce((a, b) => a - b, 0);
  return {
    drawdown,
    var95: -sorted[k - 1]!,
    es95: -tail.reduce((a, b) => a + b, 0) / k,
    winRate: pnls.filter((p) => p > 0).length / pnls.length,
    profitFactor: losses === 0 ? null : wins / losses,
  };
}

describe('riskReport against a naive implementation', () => {
  it('drawdown, VaR, ES, win rate and profit factor agree on random series', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 120 }), (pnls) => {
        const report = riskReport(pnls.map((p, i) => ({ timestamp: T0 + i * 3600, pnl: BigInt(p) })));
        const expected = naive(pnls);
        expect(report.maxDrawdown).toBe(BigInt(expected.drawdown));
        expect(report.var95).toBe(BigInt(expected.var95));
        expect(report.es95).toBeCloseTo(expected.es95, 9);
        expect(report.winRate).toBe(expected.winRate);
        if (expected.profitFactor === null) expect(report.profitFactor).toBeNull();
        else expect(report.profitFactor).toBeCloseTo(expected.profitFactor, 12);
        assertDefined(report);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('trades given out of order are read in time order', () => {
    const ordered = trades([[0, 100], [0, -50], [1, 30], [2, -80], [3, 20]]);
    const shuffled = [ordered[3]!, ordered[0]!, ordered[4]!, ordered[2]!, ordered[1]!];
    expect(riskReport(shuffled).maxDrawdown).toBe(100n);
  });

  it('rejects a risk-free rate without capital', () => {
    expect(() => riskReport([], { riskFreeRate: 0.05 })).toThrow(/needs the capital/);
  });
});
