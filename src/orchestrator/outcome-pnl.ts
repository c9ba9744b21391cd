import type { SimulationResult } from '../executor/executor.ts';
import type { Plan } from './plan.ts';

/**
 * What an outcome made or lost in the plan's base token, gas included — the figure the
 * daily-loss limit counts. Gas is paid in the native token; the plan's `gasCost` is its gas units
 * priced in the base token at the ranking's gas price, so gas actually used is converted at the
 * same rate, rounded up (a loss is never understated).
 *
 * In sim mode a simulation stands for the transaction a live engine would have sent: an `ok`
 * result makes its simulated profit less gas; a `reverted` one loses its gas (a revert on chain
 * still pays for the gas it used). A failed call (no answer) or a skipped plan made nothing.
 */

/** `gasUsed` priced like the plan's gas estimate, in the base token, rounded up. */
export function gasCostOf(plan: Plan, gasUsed: bigint): bigint {
  if (plan.gasUnits === 0n) return 0n;
  return (plan.gasCost * gasUsed + plan.gasUnits - 1n) / plan.gasUnits;
}

/** P&L of a simulated plan taken as sent (null: nothing happened on chain). */
export function outcomePnl(result: SimulationResult): bigint | null {
  const gas = gasCostOf(result.plan, result.gasUsed ?? result.plan.gasUnits);
  if (result.status === 'ok') return (result.profit ?? 0n) - gas;
  if (result.status === 'reverted') return -gas;
  return null;
}
