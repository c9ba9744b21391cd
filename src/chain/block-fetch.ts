import type { Hex } from 'viem';
import { RetryableError } from '../errors.ts';
import { watchedLogMayBeIn } from './logs-bloom.ts';
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
  /**
   * Every tracked emitter (lower-case), for checking an empty logs answer against the block's
   * bloom; without it an empty answer is taken as it comes.
   */
  trackedAddresses?: () => Iterable<string>;
}

/** The canonical block at a height; a null (the endpoint has not reached it) fails over. */
export const blockByNumberCall = (number: bigint): RpcCall => ({ method: 'eth_getBlockByNumber', params: [toQuantity(number), false], requireResult: true });

/** A block by hash; null when the endpoint does not have it (yet). */
export const blockByHashCall = (hash: Hex): RpcCall => ({ method: 'eth_getBlockByHash', params: [hash, false], notFoundIsNull: true });

/**
 * The logs of one block by its hash. `unknownIsNull`: a node that does not know the hash ("unknown
 * block") answers null instead of failing over, for a caller that has another way to go on.
 *
 * Given the block's header with its `logsBloom`, an empty answer is refused once as the
 * endpoint's fault (the chunk fails over to another endpoint, or retries after a backoff) when the
 * bloom says a tracked pool's event may be in the block: a node whose log index lags its blocks,
 * or a faulty endpoint, answers [] and the market would silently miss the events. If the next
 * answer is empty too, the caller settles it from the block's receipts ({@link receiptsCall}):
 * a bloom can say "maybe" for a block without any such log, and refusing for good would stall
 * the stream there. Only empty answers are doubted (an answer listing the topics' logs of other
 * emitters is the node's whole answer); checked per block, as the stream fetches them.
 */
export function logsByHashCall(hash: Hex, filter: LogFilter, unknownIsNull = false, header?: BlockHeader): RpcCall {
  return {
    method: 'eth_getLogs',
    params: [{ blockHash: hash, topics: [filter.topics] }],
    ...(unknownIsNull ? { notFoundIsNull: true } : {}),
    ...(header === undefined ? {} : { faultIf: refuseEmptyLogsOnce(header, filter) }),
  };
}

/**
 * A `faultIf` for a logs request that refuses the first empty answer `header`'s bloom doubts
 * (the pool then asks another endpoint, or the same after a backoff) and takes the next as it
 * comes: the caller settles a second empty answer the bloom still doubts from the receipts.
 */
export function refuseEmptyLogsOnce(header: BlockHeader, filter: LogFilter): (result: unknown) => string | undefined {
  let refused = false;
  return (result) => {
    if (refused) return undefined;
    const doubt = bloomDoubtsEmptyLogs(header, result, filter);
    refused = doubt !== undefined;
    return doubt;
  };
}

/**
 * Why an `eth_getLogs` answer of [] for `block` is not believable: its `logsBloom` holds a tracked
 * emitter and a watched topic. Undefined when the answer is not empty, the bloom agrees, or there
 * is nothing to check with (no bloom, no list of tracked emitters).
 */
export function bloomDoubtsEmptyLogs(block: BlockHeader, result: unknown, filter: LogFilter): string | undefined {
  if (!Array.isArray(result) || result.length > 0 || block.logsBloom === undefined || filter.trackedAddresses === undefined) return undefined;
  const watched = watchedLogMayBeIn(block.logsBloom, filter.trackedAddresses(), filter.topics);
  if (watched === undefined) return undefined;
  return `answered no logs for block ${block.number} (${block.hash}), but its logsBloom holds the tracked emitter ${watched.address} and topic ${watched.topic}`;
}

/** The receipts of a block by hash (geth, erigon, nethermind, reth, anvil): the logs without the log index. */
export const receiptsCall = (hash: Hex): RpcCall => ({ method: 'eth_getBlockReceipts', params: [hash], requireResult: true });

/**
 * The tracked logs of `block` with a watched topic, from its receipts (the answer to
 * {@link receiptsCall}). A node without `eth_getBlockReceipts` (geth before 1.13, some providers)
 * cannot settle the doubt: a RetryableError, so the caller (the chain monitor, the sync) tries
 * again later, rather than stopping or believing an answer its bloom contradicts.
 */
export function trackedLogsFromReceipts(block: BlockHeader, answer: RpcBatchResult | undefined, filter: LogFilter): ChainLog[] {
  if (answer !== undefined && !answer.ok) {
    throw new RetryableError(`block ${block.number} (${block.hash}): an empty logs answer its bloom contradicts cannot be settled, eth_getBlockReceipts failed: ${answer.error.rpcMessage}`, { cause: answer.error });
  }
  const raw = resultOf(answer);
  if (!Array.isArray(raw)) throw new RetryableError(`eth_getBlockReceipts for block ${block.number} (${block.hash}) answered ${JSON.stringify(raw)}, not a list`);
  const logs = raw.flatMap((receipt) => {
    const list = (receipt as { logs?: unknown } | null)?.logs;
    if (!Array.isArray(list)) throw new RetryableError(`eth_getBlockReceipts for block ${block.number} (${block.hash}): a receipt without a logs list`);
    return list.map(parseLog);
  });
  return checkedTrackedLogs(block, logs.filter((l) => l.topics[0] !== undefined && filter.topics.includes(l.topics[0])), filter, 'eth_getBlockReceipts');
}

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
  return checkedTrackedLogs(block, raw.map(parseLog), filter, 'eth_getLogs');
}

function checkedTrackedLogs(block: BlockHeader, all: readonly ChainLog[], filter: LogFilter, source: string): ChainLog[] {
  const logs = all.filter((l) => filter.isTracked(l.address));
  for (const log of logs) {
    // A node that answered for another block (a fork it still serves) would corrupt state:
    // refuse the answer; the next attempt (another endpoint, or after the node catches up) decides.
    if (log.blockHash !== block.hash || log.removed) {
      throw new RetryableError(`${source} for block ${block.number} (${block.hash}) returned a log of block ${log.blockHash}${log.removed ? ' marked removed' : ''}`);
    }
  }
  logs.sort((a, b) => a.logIndex - b.logIndex);
  return logs;
}
