import type { Address } from 'viem';
import type { LiveRpc } from './live-executor.ts';

/**
 * The hot key's gas money: its balance and how many executions it still pays for when each
 * pays the most it may (gas limit × the fee cap, ORION_MAX_FEE_PER_GAS; without a cap, the fee
 * per gas given). For /health, a metric and a protections rule (below a floor, planning stops
 * with that reason instead of sending transactions that cannot be paid).
 */

/** What the hot key can still pay for. */
export interface GasMoney {
  account: Address;
  /** Wei. */
  balance: bigint;
  /** Wei per gas each execution is counted at (the cap, or the given fee per gas). */
  feePerGas: bigint;
  gasPerExecution: bigint;
  /** Whole executions the balance pays for at that price. */
  executionsLeft: bigint;
}

/** Whole executions of `gasPerExecution` gas at `feePerGas` that `balance` pays for. */
export function executionsPaidFor(balance: bigint, feePerGas: bigint, gasPerExecution: bigint): bigint {
  const each = feePerGas * gasPerExecution;
  return each <= 0n ? 0n : balance / each;
}

/** Reads the balance of `account` (latest block) and counts the executions it pays for. */
export async function readGasMoney(rpc: Pick<LiveRpc, 'request'>, account: Address, price: { maxFeePerGas?: bigint | undefined; feePerGas: bigint }, gasPerExecution: bigint): Promise<GasMoney> {
  const balance = BigInt((await rpc.request('eth_getBalance', [account, 'latest'])) as string);
  const feePerGas = price.maxFeePerGas ?? price.feePerGas;
  return { account, balance, feePerGas, gasPerExecution, executionsLeft: executionsPaidFor(balance, feePerGas, gasPerExecution) };
}
