import type { Plan } from '../../orchestrator/plan.ts';

/**
 * The fees a live transaction bids. An execution bids the plan's fees (the next block's base
 * fee at its ceiling by the deadline + ORION_PRIORITY_FEE, capped by ORION_MAX_FEE_PER_GAS)
 * plus a tip that is a share of the expected profit (ORION_TIP_SHARE_BPS), never above the
 * cap. A replacement or cancellation on the same nonce must raise BOTH fees by at least 10 %
 * (geth's txpool rule, else "replacement transaction underpriced"); when the cap forbids that,
 * there is no replacement.
 */

/** EIP-1559 fees per gas, in wei. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const BPS = 10_000n;
/** geth's minimum price bump for a replacement, in basis points (10 %). */
export const REPLACEMENT_BUMP_BPS = 1_000n;

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * The expected profit in wei of gas token: the plan's base-token profit at the ranking's own gas
 * conversion (gasCost base units for gasUnits × gasPrice wei); the base token itself when the
 * ranking had no price.
 */
export function profitInWei(plan: Plan): bigint {
  if (plan.gasCost === 0n || plan.gasPrice === 0n) return plan.expectedProfit;
  return (plan.expectedProfit * plan.gasUnits * plan.gasPrice) / plan.gasCost;
}

/** The fees of a plan's execution with `tipShareBps` of its expected profit as extra tip, capped by `cap`. */
export function executionFees(plan: Plan, tipShareBps: number, cap: bigint | undefined): Fees {
  const extra = tipShareBps === 0 || plan.gasUnits === 0n || plan.expectedProfit <= 0n ? 0n : (profitInWei(plan) * BigInt(tipShareBps)) / BPS / plan.gasUnits;
  let maxFeePerGas = plan.maxFeePerGas + extra;
  if (cap !== undefined) maxFeePerGas = min(maxFeePerGas, cap);
  return { maxFeePerGas, maxPriorityFeePerGas: min(plan.maxPriorityFeePerGas + extra, maxFeePerGas) };
}

/** `value` raised by at least 10 %, rounded up, and by at least 1 wei. */
export function bumped(value: bigint): bigint {
  const raised = (value * (BPS + REPLACEMENT_BUMP_BPS) + BPS - 1n) / BPS;
  return raised > value ? raised : value + 1n;
}

/**
 * Fees for a transaction replacing one that bid `previous`: both fields +10 %, and at least
 * `floor` (what the next block needs now). null when the cap is below the bumped max fee.
 */
export function replacementFees(previous: Fees, floor: Fees, cap: bigint | undefined): Fees | null {
  const maxPriorityFeePerGas = bumped(previous.maxPriorityFeePerGas) > floor.maxPriorityFeePerGas ? bumped(previous.maxPriorityFeePerGas) : floor.maxPriorityFeePerGas;
  let maxFeePerGas = bumped(previous.maxFeePerGas) > floor.maxFeePerGas ? bumped(previous.maxFeePerGas) : floor.maxFeePerGas;
  if (maxFeePerGas < maxPriorityFeePerGas) maxFeePerGas = maxPriorityFeePerGas;
  if (cap !== undefined && maxFeePerGas > cap) return null;
  return { maxFeePerGas, maxPriorityFeePerGas };
}
