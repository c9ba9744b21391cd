import type { Address, Hex, Log } from 'viem';
import { decodeExecutedEvents } from '../route-codec.ts';
import type { Attempt, Inclusion, Intent } from './intent-store.ts';

/**
 * Realized P&L of a mined attempt, from its receipt alone: the contract's `Executed` profit
 * (its base-token balance growth, already net of the flash fee), the gas the sender paid (gas
 * used × effective gas price, in wei), that gas in the base token at the ranking's own
 * conversion (rounded up: we paid it), and the net. A reverted execution or a cancellation
 * realizes no profit and still pays its gas.
 */

/** The fields of a JSON-RPC receipt we read. */
export interface RpcReceipt {
  transactionHash: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  status: Hex;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  logs: { address: Address; topics: Hex[]; data: Hex; transactionHash: Hex | null }[];
}

/** What the receipt of `attempt` of `intent` realized. */
export function realizedFrom(intent: Intent, attempt: Attempt, receipt: RpcReceipt): Inclusion {
  const status = BigInt(receipt.status) === 1n ? 'success' : 'reverted';
  const gasUsed = BigInt(receipt.gasUsed);
  const effectiveGasPrice = BigInt(receipt.effectiveGasPrice);
  const gasCostWei = gasUsed * effectiveGasPrice;
  const { num, den } = intent.gasRate;
  const gasCostBase = (gasCostWei * num + den - 1n) / den;
  const events = status === 'success' && attempt.kind !== 'cancel' ? decodeExecutedEvents(receipt.logs as unknown as Log[], intent.executor) : [];
  const realizedProfit = events.reduce((sum, e) => sum + e.profit, 0n);
  return {
    attemptId: attempt.id, block: BigInt(receipt.blockNumber), blockHash: receipt.blockHash, status,
    realizedProfit, gasUsed, effectiveGasPrice, gasCostWei, gasCostBase, realizedNet: realizedProfit - gasCostBase,
  };
}
