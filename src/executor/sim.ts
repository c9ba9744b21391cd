import { decodeFunctionResult, type Hex } from 'viem';
import { ETHEREUM_BASE_FEE_RULE, nextBaseFeeBy, type BaseFeeRule } from '../chain/next-base-fee.ts';
import type { RpcBatchResult, RpcCall } from '../chain/rpc-pool.ts';
import { toQuantity, type BlockHeader } from '../chain/types.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { InputError } from '../errors.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { Executor, SendGate, SimulationResult } from './executor.ts';
import { decodeRevertReason } from './revert-reason.ts';

/**
 * The sim executor: runs the exact transaction the live executor would send (same `to`,
 * calldata, `from` = the hot key's address, gas limit and EIP-1559 fees) as `eth_simulateV1`
 * on the state of the newest block, pinned by its hash, with the next block's context as block
 * overrides (number + 1, its timestamp, its base fee computed from the header), one request per
 * plan in one JSON-RPC batch so plans do not see each other's effects. It holds no key and
 * cannot send: it imports no signing code and calls no send method (a test checks its module
 * graph, another counts the methods a recording proxy sees).
 */

/** The one RPC capability the sim executor is given: batched reads. */
export interface SimulationRpc {
  batch(calls: readonly RpcCall[]): Promise<RpcBatchResult[]>;
}

/** Settings of the sim executor. */
export interface SimExecutorOptions {
  rpc: SimulationRpc;
  /** Seconds between blocks: the next block's timestamp is the head's plus this. */
  blockTimeSeconds: number;
  /** How the chain sets the next base fee (`baseFeeRuleFor(chainId)`); Ethereum's when absent. */
  baseFeeRule?: BaseFeeRule;
}

interface SimulatedCall {
  status: Hex;
  returnData: Hex;
  gasUsed: Hex;
  error?: { code?: number; message?: string; data?: Hex };
}

/** The transaction of a plan, as eth_simulateV1 takes it. */
function callOf(plan: Plan): Record<string, Hex> {
  return {
    from: plan.from,
    to: plan.executor,
    data: plan.calldata,
    gas: toQuantity(plan.gasLimit),
    maxFeePerGas: toQuantity(plan.maxFeePerGas),
    maxPriorityFeePerGas: toQuantity(plan.maxPriorityFeePerGas),
  };
}

/** Reads one simulated call's outcome. */
function resultOf(plan: Plan, head: BlockHeader, answer: RpcBatchResult): SimulationResult {
  const base = { plan, stateBlock: { number: head.number, hash: head.hash }, asBlock: head.number + 1n };
  if (!answer.ok) return { ...base, status: 'failed', profit: null, gasUsed: null, revert: null, error: answer.error.message };
  const blocks = answer.result as { calls?: SimulatedCall[] }[] | null;
  const call = blocks?.[0]?.calls?.[0];
  if (call === undefined) return { ...base, status: 'failed', profit: null, gasUsed: null, revert: null, error: 'eth_simulateV1 returned no call result' };
  const gasUsed = BigInt(call.gasUsed);
  if (BigInt(call.status) === 1n) {
    const profit = decodeFunctionResult({ abi: flashArbExecutorAbi, functionName: 'execute', data: call.returnData });
    return { ...base, status: 'ok', profit, gasUsed, revert: null, error: null };
  }
  // Nodes put the revert data in returnData (anvil, geth) and may repeat it in error.data.
  const data = call.returnData !== '0x' ? call.returnData : (call.error?.data ?? '0x');
  // No revert data and nearly all the gas gone: the gas limit was too low for this route. Each
  // call level keeps 1/64 of its gas back, so an out-of-gas a few calls deep (executor → pair →
  // callback → pool → token) stops a few percent short of the limit.
  if (data === '0x' && gasUsed * 64n >= plan.gasLimit * 60n) {
    return { ...base, status: 'reverted', profit: null, gasUsed, revert: { name: 'OutOfGas', args: [gasUsed, plan.gasLimit], data }, error: null };
  }
  return { ...base, status: 'reverted', profit: null, gasUsed, revert: decodeRevertReason(data), error: null };
}

/** Creates the sim executor. */
export function createSimExecutor(options: SimExecutorOptions): Executor {
  if (!(options.blockTimeSeconds > 0)) throw new InputError(`blockTimeSeconds must be > 0, got ${options.blockTimeSeconds}`);
  const blockTime = BigInt(Math.ceil(options.blockTimeSeconds));
  return {
    mode: 'sim',
    async run(plans: readonly Plan[], head: BlockHeader, gate?: SendGate): Promise<SimulationResult[]> {
      if (plans.length === 0) return [];
      const blockOverrides: Record<string, Hex> = { number: toQuantity(head.number + 1n), time: toQuantity(head.timestamp + blockTime) };
      if (head.baseFeePerGas !== null) blockOverrides['baseFeePerGas'] = toQuantity(nextBaseFeeBy({ ...head, baseFeePerGas: head.baseFeePerGas }, options.baseFeeRule ?? ETHEREUM_BASE_FEE_RULE));
      const calls: RpcCall[] = plans.map((plan) => ({
        method: 'eth_simulateV1',
        // validation off: the hot key's nonce and balance are the live executor's concern.
        params: [{ blockStateCalls: [{ blockOverrides, calls: [callOf(plan)] }], validation: false }, { blockHash: head.hash }],
      }));
      const answers = await options.rpc.batch(calls);
      // What the live executor would do next: ask the gate before sending.
      return plans.map((plan, i) => gated(resultOf(plan, head, answers[i]!), gate));
    },
  };
}

/** `result` with the gate's answer: a successful simulation the gate locks is marked `blocked`. */
export function gated(result: SimulationResult, gate: SendGate | undefined): SimulationResult {
  const blocked = result.status === 'ok' && gate !== undefined ? gate(result) : null;
  return blocked === null ? result : { ...result, blocked: { rule: blocked.rule, reason: blocked.reason } };
}
