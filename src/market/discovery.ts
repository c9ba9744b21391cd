import type { Address, Hex } from 'viem';
import { RpcCallError } from '../chain/rpc-errors.ts';
import type { RpcPool } from '../chain/rpc-pool.ts';
import { bloomDoubtsEmptyLogs, receiptsCall, refuseEmptyLogsOnce, trackedLogsFromReceipts, type LogFilter } from '../chain/block-fetch.ts';
import { parseBlockHeader, parseLog, toQuantity, type BlockHeader } from '../chain/types.ts';
import { TOO_MANY_RESULTS } from '../chain/json-rpc-http.ts';
import { RetryableError, RuntimeFault } from '../errors.ts';
import { decodeCreatedPool, TOPICS, type CreatedPool } from './pool-events.ts';

/**
 * Pool discovery from factory events (V2 PairCreated, V3 PoolCreated) over a block range, in
 * `eth_getLogs` chunks: a provider that answers "too many results" gets the same range in halves
 * (down to one block), and the chunk grows back after each success, so a dense stretch costs
 * more requests and a sparse one few.
 */

/** Settings of a discovery run. */
export interface DiscoveryOptions {
  rpc: RpcPool;
  /** Factory addresses (V2 and V3 alike: the topic tells which). */
  factories: readonly Address[];
  fromBlock: bigint;
  toBlock: bigint;
  /** First and largest chunk, in blocks. */
  maxChunk?: number;
  /** Called after each successful chunk with the last block scanned and the pools it found (for checkpoints). */
  onChunk?: (scannedTo: bigint, pools: readonly CreatedPool[]) => void | Promise<void>;
}

/** What a discovery run found. */
export interface DiscoveryResult {
  pools: CreatedPool[];
  requests: number;
  /** How many times a chunk was halved on "too many results". */
  shrinks: number;
}

/** One block range kept returning "too many results". */
export class DiscoveryError extends RuntimeFault {}

const FACTORY_TOPICS: Hex[] = [TOPICS.v2PairCreated, TOPICS.v3PoolCreated];

const factoryFilter = (factories: readonly Address[]): LogFilter => ({ topics: FACTORY_TOPICS, isTracked: (a) => factories.includes(a as Address), trackedAddresses: () => factories });

/**
 * An empty answer for a chunk is checked against the logsBloom of the chunk's last block (one
 * header per chunk, whatever its length: checking every block's bloom would cost a header per
 * block scanned, millions on mainnet). When that bloom holds a factory and a creation topic, the
 * empty answer was already refused once (the pool asked again, elsewhere or later); if the second
 * answer is empty too, the block's receipts decide: a creation event in them means the endpoint's
 * log index is missing events — a retryable fault (the sync resumes at this chunk), never "no
 * pools"; none means the bloom's "maybe" was a false positive. A sample: an endpoint that drops
 * events of other blocks in the chunk is not caught.
 */
async function checkEmptyAnswer(rpc: RpcPool, sample: BlockHeader, raw: unknown, factories: readonly Address[], from: bigint): Promise<void> {
  const filter = factoryFilter(factories);
  const doubt = bloomDoubtsEmptyLogs(sample, raw, filter);
  if (doubt === undefined) return;
  const [receipts] = await rpc.batch([receiptsCall(sample.hash)]);
  const created = trackedLogsFromReceipts(sample, receipts, filter);
  if (created.length > 0) {
    throw new RetryableError(`eth_getLogs for blocks ${from}..${sample.number} ${doubt}, and its receipts hold ${created.length} pool creation event(s): the endpoint misses events`);
  }
}

/** Scans `[fromBlock, toBlock]` for pools created by `factories`. */
export async function discoverPools(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const maxChunk = BigInt(options.maxChunk ?? 10_000);
  const factories = options.factories.map((f) => f.toLowerCase() as Address);
  const pools: CreatedPool[] = [];
  const seen = new Set<string>();
  let chunk = maxChunk;
  let from = options.fromBlock;
  let requests = 0;
  let shrinks = 0;
  while (from <= options.toBlock) {
    const to = from + chunk - 1n < options.toBlock ? from + chunk - 1n : options.toBlock;
    let raw: unknown[];
    try {
      requests += 1;
      // The chunk's last block, to doubt an empty answer by (see checkEmptyAnswer).
      const sample = parseBlockHeader(await options.rpc.request('eth_getBlockByNumber', [toQuantity(to), false], { requireResult: true }));
      raw = (await options.rpc.request('eth_getLogs', [
        { address: factories, topics: [FACTORY_TOPICS], fromBlock: toQuantity(from), toBlock: toQuantity(to) },
      ], { faultIf: refuseEmptyLogsOnce(sample, factoryFilter(factories)) })) as unknown[];
      await checkEmptyAnswer(options.rpc, sample, raw, factories, from);
    } catch (error) {
      if (error instanceof RpcCallError && TOO_MANY_RESULTS.test(error.rpcMessage)) {
        if (to === from) {
          throw new DiscoveryError(`eth_getLogs for the single block ${from} still returns too many results: ${error.rpcMessage}`, { cause: error });
        }
        chunk = (to - from + 1n) / 2n;
        shrinks += 1;
        continue;
      }
      throw error;
    }
    const fresh: CreatedPool[] = [];
    for (const log of raw.map(parseLog)) {
      const created = decodeCreatedPool(log);
      if (created === undefined || seen.has(created.address)) continue;
      seen.add(created.address);
      fresh.push(created);
    }
    pools.push(...fresh);
    await options.onChunk?.(to, fresh);
    from = to + 1n;
    if (chunk < maxChunk) chunk = chunk * 2n > maxChunk ? maxChunk : chunk * 2n;
  }
  return { pools, requests, shrinks };
}
