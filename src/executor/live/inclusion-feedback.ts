import { toEventSelector, type Address, type Hex } from 'viem';
import { WRITER_HOLDS, type IntentStore } from './intent-store.ts';

/**
 * Why a submission did not land, read from the chain (issue 11's inclusion feedback). For a
 * bundle, per target block that passed without it: the relays' own simulation reverted; the
 * block's base fee was above what the transaction bids; another transaction of that block
 * moved one of the route's pools first (its hash and sender, from the pools' Swap/Sync/Mint/Burn
 * logs); the block was past the plan's deadline; else "not included, no cause found". For a
 * public transaction cancelled at its deadline: the base fee above its cap in every block of its
 * window, else the deadline passed.
 */

export const INCLUSION_REASONS = ['pools-moved-first', 'base-fee-above-cap', 'deadline-passed', 'simulation-reverted', 'not-included'] as const;
export type InclusionReason = (typeof INCLUSION_REASONS)[number];

/** One recorded miss. */
export interface InclusionFailure {
  submission: 'public' | 'bundle';
  targetBlock: bigint;
  reason: InclusionReason;
  detail: string;
  competitorTx: Hex | null;
  competitorSender: Address | null;
}

/** The events that change a Uniswap V2 or V3 pool's price or liquidity. */
const POOL_MOVES = [
  'Sync(uint112,uint112)',
  'Swap(address,uint256,uint256,uint256,uint256,address)',
  'Swap(address,address,int256,int256,uint160,uint128,int24)',
  'Mint(address,address,int24,int24,uint128,uint256,uint256)',
  'Burn(address,int24,int24,uint128,uint256,uint256)',
].map((signature) => toEventSelector(signature));

/** What the feedback reads of the chain. */
export interface FeedbackRpc {
  request(method: string, params: readonly unknown[]): Promise<unknown>;
}

interface RpcLog { transactionHash: Hex; logIndex: Hex; address: Address }

/** What is known of a bundle that missed `block`. */
export interface BundleMiss {
  block: bigint;
  /** The transaction's own hashes (ours never count as a competitor). */
  ours: readonly Hex[];
  maxFeePerGas: bigint;
  pools: readonly Address[];
  /** The plan's deadline block; null for a cancellation (it has none). */
  deadlineBlock: bigint | null;
  /** The relays' simulations of the bundle for that block (none stored = not sent there). */
  simulations: readonly { relay: string; simulation: string; error: string | null; sendError: string | null }[];
}

const baseFeeOf = async (rpc: FeedbackRpc, block: bigint): Promise<bigint | null> => {
  const header = (await rpc.request('eth_getBlockByNumber', [`0x${block.toString(16)}`, false])) as { baseFeePerGas?: Hex } | null;
  return header?.baseFeePerGas === undefined ? null : BigInt(header.baseFeePerGas);
};

/** The first transaction of `block` (by log order) that moved one of `pools` and is not one of `ours`. */
async function firstMover(rpc: FeedbackRpc, block: bigint, pools: readonly Address[], ours: readonly Hex[]): Promise<{ hash: Hex; sender: Address; pool: Address } | null> {
  if (pools.length === 0) return null;
  const at = `0x${block.toString(16)}`;
  const logs = (await rpc.request('eth_getLogs', [{ fromBlock: at, toBlock: at, address: [...pools], topics: [POOL_MOVES] }])) as RpcLog[];
  const mine = new Set(ours.map((h) => h.toLowerCase()));
  const first = [...logs].sort((a, b) => Number(BigInt(a.logIndex) - BigInt(b.logIndex))).find((l) => !mine.has(l.transactionHash.toLowerCase()));
  if (first === undefined) return null;
  const tx = (await rpc.request('eth_getTransactionByHash', [first.transactionHash])) as { from: Address } | null;
  return { hash: first.transactionHash, sender: (tx?.from ?? '0x0000000000000000000000000000000000000000').toLowerCase() as Address, pool: first.address.toLowerCase() as Address };
}

/** Why a bundle was not in `miss.block`. */
export async function explainBundleMiss(rpc: FeedbackRpc, miss: BundleMiss): Promise<InclusionFailure> {
  const base = { submission: 'bundle' as const, targetBlock: miss.block, competitorTx: null, competitorSender: null };
  const reverted = miss.simulations.filter((s) => s.simulation === 'reverted');
  if (miss.simulations.length > 0 && reverted.length === miss.simulations.length) {
    return { ...base, reason: 'simulation-reverted', detail: `the relay simulation reverted: ${reverted.map((s) => `${s.relay}: ${s.error ?? 'no reason given'}`).join('; ')}` };
  }
  const baseFee = await baseFeeOf(rpc, miss.block);
  if (baseFee !== null && baseFee > miss.maxFeePerGas) {
    return { ...base, reason: 'base-fee-above-cap', detail: `block ${miss.block} base fee ${baseFee} wei per gas is above the bundle's max fee ${miss.maxFeePerGas}` };
  }
  const mover = await firstMover(rpc, miss.block, miss.pools, miss.ours);
  if (mover !== null) {
    return {
      ...base, reason: 'pools-moved-first', competitorTx: mover.hash, competitorSender: mover.sender,
      detail: `transaction ${mover.hash} from ${mover.sender} moved pool ${mover.pool} first in block ${miss.block}`,
    };
  }
  if (miss.deadlineBlock !== null && miss.block > miss.deadlineBlock) return { ...base, reason: 'deadline-passed', detail: `block ${miss.block} is past the plan's deadline block ${miss.deadlineBlock}` };
  const refused = miss.simulations.filter((s) => s.sendError !== null);
  if (miss.simulations.length > 0 && refused.length === miss.simulations.length) {
    return { ...base, reason: 'not-included', detail: `no relay took the bundle for block ${miss.block}: ${refused.map((s) => `${s.relay}: ${s.sendError}`).join('; ')}` };
  }
  return { ...base, reason: 'not-included', detail: `not included in block ${miss.block}, no cause found on chain` };
}

/**
 * Why a public transaction was never mined by its deadline: every block from the first after it
 * was signed to the deadline asked a base fee above the highest max fee of the attempts signed
 * before that block (`base-fee-above-cap`), or else only the deadline passed.
 */
export async function explainPublicMiss(rpc: FeedbackRpc, attempts: readonly { createdBlock: bigint; maxFeePerGas: bigint }[], deadlineBlock: bigint): Promise<InclusionFailure> {
  const base = { submission: 'public' as const, targetBlock: deadlineBlock, competitorTx: null, competitorSender: null };
  const from = attempts.reduce((a, b) => (b.createdBlock < a ? b.createdBlock : a), attempts[0]!.createdBlock) + 1n;
  const blocks: { block: bigint; fee: bigint; bid: bigint }[] = [];
  for (let block = from; block <= deadlineBlock; block++) {
    const bid = attempts.filter((a) => a.createdBlock < block).reduce((most, a) => (a.maxFeePerGas > most ? a.maxFeePerGas : most), 0n);
    blocks.push({ block, fee: (await baseFeeOf(rpc, block)) ?? 0n, bid });
  }
  if (blocks.length > 0 && blocks.every((b) => b.fee > b.bid)) {
    return { ...base, reason: 'base-fee-above-cap', detail: `every block ${from}..${deadlineBlock} asked more than the transaction bid: ${blocks.map((b) => `${b.block}: base fee ${b.fee} > max fee ${b.bid}`).join(', ')}` };
  }
  return { ...base, reason: 'deadline-passed', detail: `not mined by its deadline block ${deadlineBlock}` };
}

/**
 * Stores `failure` for the intent (once per target block). Returns whether it was new. Written by
 * `writer`, fenced by its epoch: a WriterFencedError, nothing written, once another writer raised it.
 */
export async function recordInclusionFailure(writer: IntentStore, intentId: bigint, attemptId: bigint | null, failure: InclusionFailure): Promise<boolean> {
  const added = await writer.fencedWrite([
    `insert into inclusion_feedback (intent_id, attempt_id, submission, target_block, reason, detail, competitor_tx, competitor_sender)
     select $4::bigint, $5::bigint, $6::text, $7::numeric, $8::text, $9::text, $10::text, $11::text where ${WRITER_HOLDS}
     on conflict (intent_id, target_block) do nothing returning id`,
  ], [intentId, attemptId, failure.submission, failure.targetBlock, failure.reason, failure.detail.slice(0, 2000), failure.competitorTx, failure.competitorSender], { returning: 'id' });
  return added.length > 0;
}
