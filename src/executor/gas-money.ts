import type { Address } from 'viem';
import type { GasMoney } from '../orchestrator/protection.ts';

/**
 * The hot key's gas money: its native balance and how many executions it still pays for when
 * each reserves the most it may (the largest gas limit a plan gets or recently got × the fee cap
 * ORION_MAX_FEE_PER_GAS, or × the gas price when uncapped) — what a node checks before it
 * accepts a transaction. Read once per block; shown in /health and as metrics, and the
 * `gas-money` protection stops live planning below the floor `gas_money.min_executions`.
 */

/** Whole executions of `gasPerExecution` gas at `feePerGas` that `balance` pays for; null: gas costs nothing at that price. */
export function executionsPaidFor(balance: bigint, feePerGas: bigint, gasPerExecution: bigint): bigint | null {
  const each = feePerGas * gasPerExecution;
  return each <= 0n ? null : balance / each;
}

/** What the watch needs of the RPC pool. */
export interface BalanceRpc {
  request(method: string, params: readonly unknown[]): Promise<unknown>;
}

/** Settings of the gas-money watch. */
export interface GasMoneyWatchOptions {
  rpc: BalanceRpc;
  account: Address;
  /** Gas one execution reserves at most at a block (the largest gas limit a plan gets or recently got), asked at each read. */
  gasPerExecution: (block: bigint) => bigint;
  /** The fee per gas an execution is counted at now (the cap, or the gas price the ranking used). */
  feePerGas: () => bigint;
  /** Live mode: the floor is enforced; sim mode: shown only. */
  enforced: boolean;
  onRead: (money: GasMoney) => void;
  onError?: (error: unknown) => void;
}

/** Reads the hot key's gas money at `block`. */
export async function readGasMoney(options: Omit<GasMoneyWatchOptions, 'onRead' | 'onError'>, block: bigint): Promise<GasMoney> {
  const balance = BigInt((await options.rpc.request('eth_getBalance', [options.account, `0x${block.toString(16)}`])) as string);
  const feePerGas = options.feePerGas();
  const gasPerExecution = options.gasPerExecution(block);
  const executionsLeft = executionsPaidFor(balance, feePerGas, gasPerExecution);
  return { account: options.account, balance, feePerGas, gasPerExecution, executionsLeft, block, enforced: options.enforced };
}

/** A per-block reader: at most one read in flight; a head that arrives meanwhile is read after it (the newest only). */
export interface GasMoneyWatch {
  onHead(block: bigint): void;
  /** Resolves once no read is in flight. */
  idle(): Promise<void>;
}

/** Creates the watch; the first read is `onHead`'s. */
export function createGasMoneyWatch(options: GasMoneyWatchOptions): GasMoneyWatch {
  let running: Promise<void> | null = null;
  let next: bigint | null = null;
  let lastRead = -1n;
  const run = (block: bigint): Promise<void> => readGasMoney(options, block).then(
    (money) => {
      if (money.block > lastRead) {
        lastRead = money.block;
        options.onRead(money);
      }
    },
    (error: unknown) => options.onError?.(error),
  ).then(() => {
    const queued = next;
    next = null;
    running = queued === null ? null : run(queued);
    return running ?? undefined;
  });
  return {
    onHead(block) {
      if (running === null) running = run(block);
      else next = block;
    },
    async idle() {
      while (running !== null) await running;
    },
  };
}
