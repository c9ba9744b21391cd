import { describe, expect, it } from 'vitest';
import type { Plan } from '../../orchestrator/plan.ts';
import { bumped, executionFees, profitInWei, replacementFees } from './fees.ts';

const GWEI = 10n ** 9n;
/** The fee fields of a plan (the rest is not read by the fee rules). */
const plan = (fields: Partial<Plan>): Plan => ({
  maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI, gasUnits: 200_000n, gasPrice: 20n * GWEI, gasCost: 4n * 10n ** 15n, expectedProfit: 10n ** 16n, ...fields,
}) as Plan;

describe('live fees', () => {
  it('tip share 0 bids exactly the plan\'s fees (what was simulated)', () => {
    expect(executionFees(plan({}), 0, undefined)).toEqual({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
  });

  it('a tip share adds that share of the expected profit, per gas unit, to both fees; the cap bounds both', () => {
    // Base token = gas token here (gasCost = gasUnits × gasPrice): 0.01 ETH profit, 10 % = 0.001 ETH over 200k gas = 5 gwei.
    expect(profitInWei(plan({}))).toBe(10n ** 16n);
    expect(executionFees(plan({}), 1000, undefined)).toEqual({ maxFeePerGas: 35n * GWEI, maxPriorityFeePerGas: 7n * GWEI });
    expect(executionFees(plan({}), 1000, 32n * GWEI)).toEqual({ maxFeePerGas: 32n * GWEI, maxPriorityFeePerGas: 7n * GWEI });
    expect(executionFees(plan({}), 10_000, 32n * GWEI)).toEqual({ maxFeePerGas: 32n * GWEI, maxPriorityFeePerGas: 32n * GWEI });
  });

  it('a replacement raises both fees by at least 10 % (geth\'s rule), rounding up, and at least to what the next block needs', () => {
    expect(bumped(100n)).toBe(110n);
    expect(bumped(101n)).toBe(112n);
    expect(bumped(0n)).toBe(1n);
    const previous = { maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    expect(replacementFees(previous, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, undefined)).toEqual({ maxFeePerGas: 33n * GWEI, maxPriorityFeePerGas: 2_200_000_000n });
    expect(replacementFees(previous, { maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 3n * GWEI }, undefined)).toEqual({ maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 3n * GWEI });
  });

  it('no replacement when the cap is below the bumped max fee', () => {
    const previous = { maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    expect(replacementFees(previous, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, 32n * GWEI)).toBeNull();
    expect(replacementFees(previous, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, 33n * GWEI)).not.toBeNull();
  });
});
