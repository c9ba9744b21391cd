import { formatGwei } from 'viem';
import type { ProtectionRule } from '../protection.ts';

/**
 * No planning while gas is dearer than the limit `max_gas_price`, or while our fee cap
 * (ORION_MAX_FEE_PER_GAS) is below the next block's base fee (nothing of ours could be
 * included). Judged afresh every block.
 */
export const maxGasPrice: ProtectionRule = {
  name: 'max-gas-price',
  phases: ['plan'],
  check({ market, limits }) {
    const until = { kind: 'block', block: market.block } as const;
    if (market.pricedOut) {
      return { rule: 'max-gas-price', reason: `the next block's base fee ${formatGwei(market.nextBaseFee ?? 0n)} gwei is above the fee cap (ORION_MAX_FEE_PER_GAS): nothing of ours can be included`, scope: { kind: 'global' }, until };
    }
    if (limits.maxGasPrice !== null && market.gasPrice > limits.maxGasPrice) {
      return { rule: 'max-gas-price', reason: `gas price ${formatGwei(market.gasPrice)} gwei is above the limit max_gas_price ${formatGwei(limits.maxGasPrice)} gwei`, scope: { kind: 'global' }, until };
    }
    return null;
  },
};
