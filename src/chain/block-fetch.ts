import type { Hex } from 'viem';
import { RetryableError } from '../errors.ts';
import type { RpcBatchResult, RpcCall } from './rpc-pool.ts';
import { parseBlockHeader, parseLog, refOf, toQuantity, type BlockHeader, type BlockRef, type ChainLog } from './types.ts';

/**
 * The JSON-RPC calls the block stream makes for blocks, their logs and the node's finalized
 * block, and the checks on their answers. Built here as `RpcCall`s so the stream can put many in
 * one batch (one round trip); logs are always read by block hash (EIP-234) and must all carry
 * that hash, so they belong to exactly the block they are emitted with.
 */

/** The logs the stream wants: topic0 values, and a test on the emitter (lower-case address). */
export interface LogFilter {
  topics: readonly Hex[];
  isTracked: (address: string) => boolean;
}

/** The canonical block at a height; a null (the endpoint has not reached it) fails over. */
export const blockByNumberCall = (number: bigint): RpcCall => ({ method: 'eth_getBlockByNumber', params: [toQuantity(number), false], requireResult: true });

/** A block by hash; null when the endpoint does not have it (yet). */
export const blockByHashCall = (hash: Hex): RpcCall => ({ method: 'eth_getBlockByHash', params: [hash, false], notFoundIsNull: true });

/**
 * The logs of one block by its hash. `unknownIsNull`: a node that does not know the hash ("unknown
 * block") answers null instead of failing over, for a caller that has another way to go on.
 */
export const logsByHashCall = (hash: Hex, filter: LogFilter, unknownIsNull = false): RpcCall => ({
  method: 'eth_getLogs',
  params: [{ blockHash: hash, topics: [filter.topics] }],
  ...(unknownIsNull ? { notFoundIsNull: true } : {}),
});

/**
 * The node's `finalized` block. A "not found" (geth before the merge: "finalized block not
 * found") is an answer, not a fault to fail over on.
 */
export const FINALIZED_CALL: RpcCall = { method: 'eth_getBlockByNumber', params: ['finalized', false], notFoundIsNull: true };

/** The result of one answer of a batch; the node's error for that call is thrown as it came. */
export function resultOf(answer: RpcBatchResult | undefined): unknown {
  if (answer === undefined) throw new RetryableError('a JSON-RPC batch came back shorter than it was sent');
  if (!answer.ok) throw answer.error;
  return answer.result;
}

/**
 * The node's finalized block from its answer to {@link FINALIZED_CALL}: null when it has none or
 * rejects the tag (a node that does not know it); undefined when there is no readable answer
 * (finality then waits for the next sync rather than stopping the stream).
 */
export function nodeFinalizedFrom(answer: RpcBatchResult | undefined): BlockRef | null | undefined {
  if (answer === undefined) return undefined;
  if (!answer.ok || answer.result === null || answer.result === undefined) return null;
  try {
    return refOf(parseBlockHeader(answer.result));
  } catch {
    return undefined;
  }
}

/** The tracked logs of `block` from an `eth_getLogs` answer by its hash, in log order. */
export function trackedLogs(block: BlockHeader, raw: unknown, filter: LogFilter): ChainLog[] {
  if (!Array.isArray(raw)) throw new RetryableError(`eth_getLogs for block ${block.number} (${block.hash}) answered ${JSON.stringify(raw)}, not a list`);
  const logs = raw.map(parseLog).filter((l) => filter.isTracked(l.address));
  for (const log of logs) {
    // A node that answered for another block (a fork it still serves) would corrupt state:
    // refuse the answer; the next attempt (another endpoint, or after the node catches up) decides.
    if (log.blockHash !== block.hash || log.removed) {
      throw new RetryableError(`eth_getLogs for block ${block.number} (${block.hash}) returned a log of block ${log.blockHash}${log.removed ? ' marked removed' : ''}`);
    }
  }
  logs.sort((a, b) => a.logIndex - b.logIndex);
  return logs;
}
