import { describe, expect, it } from 'vitest';
import { executionReport, funnelConversion } from './execution-metrics.ts';

describe('executionReport', () => {
  it('slippage over realized executions, gas over all, reverts over all', () => {
    // slippage 10, −2, 30 (predicted − realized); the reverted one only pays gas.
    const report = executionReport([
      { predictedProfit: 100n, realizedProfit: 90n, gasCost: 5n, reverted: false },
      { predictedProfit: 50n, realizedProfit: 52n, gasCost: 7n, reverted: false },
      { predictedProfit: 80n, realizedProfit: 50n, gasCost: 11n, reverted: false },
      { predictedProfit: 60n, realizedProfit: null, gasCost: 3n, reverted: true },
    ]);
    expect(report.executions).toBe(4);
    expect(report.slippageMean).toBeCloseTo(38 / 3, 12);
    // nearest rank ⌈0.95·3⌉ = 3 of −2, 10, 30.
    expect(report.slippageP95).toBe(30n);
    expect(report.gasSpent).toBe(26n);
    expect(report.revertRate).toBe(0.25);
  });

  it('no executions: nulls with reasons', () => {
    const report = executionReport([]);
    expect(report).toMatchObject({ slippageMean: null, slippageP95: null, revertRate: null, gasSpent: 0n });
    expect(report.reasons.revertRate).toBe('no executions');
    expect(report.reasons.slippageP95).toBe('no execution with a realized profit');
  });
});

describe('funnelConversion', () => {
  it('rates from the previous and the first stage; a stage after an empty one has none', () => {
    expect(funnelConversion([
      { stage: 'opportunities', count: 200 },
      { stage: 'decided', count: 50 },
      { stage: 'simulated', count: 0 },
      { stage: 'executed', count: 0 },
    ])).toEqual([
      { stage: 'opportunities', count: 200, fromPrevious: null, fromFirst: null },
      { stage: 'decided', count: 50, fromPrevious: 0.25, fromFirst: 0.25 },
      { stage: 'simulated', count: 0, fromPrevious: 0, fromFirst: 0 },
      { stage: 'executed', count: 0, fromPrevious: null, fromFirst: 0 },
    ]);
  });
});
