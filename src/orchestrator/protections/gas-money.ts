import { formatEther, formatGwei } from 'viem';
import type { ProtectionRule } from '../protection.ts';

/**
 * No planning in live mode while the hot key's balance pays for fewer than
 * `gas_money.min_executions` executions at the fee cap: a node refuses a transaction whose
 * sender cannot cover gas limit × max fee, so planning would only sign transactions that cannot
 * be sent. Judged afresh every block from the balance read at the last head (sim mode shows the
 * figure and is never stopped by it: nothing of ours pays gas there).
 */
export const gasMoney: ProtectionRule = {
  name: 'gas-money',
  phases: ['plan'],
  check({ figures, limits, market }) {
    const money = figures.gasMoney;
    const floor = BigInt(limits.gasMoney.minExecutions);
    if (money === null || !money.enforced || money.executionsLeft === null || money.executionsLeft >= floor) return null;
    return {
      rule: 'gas-money',
      reason: `the hot key ${money.account} holds ${formatEther(money.balance)} of the native token (block ${money.block}): it pays for ${money.executionsLeft} executions at ${formatGwei(money.feePerGas)} gwei × ${money.gasPerExecution} gas, below the floor gas_money.min_executions=${floor}; fund it to plan again`,
      scope: { kind: 'global' },
      until: { kind: 'block', block: market.block },
    };
  },
};
