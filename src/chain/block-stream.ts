import type { Hex } from 'viem';
import { RetryableError } from '../errors.ts';
import { ReorgTooDeepError } from './rpc-errors.ts';
import type { RpcPool } from './rpc-pool.ts';
import { parseBlockHeader, parseLog, refOf, toQuantity, type BlockHeader, type BlockRef, type ChainEvent, type ChainLog } from './types.ts';

/**
 * The block stream: turns "there may be a new head" into an ordered sequence of `ChainEvent`s.
 * Every emitted block is the child of the previous one (its parent hash is checked), so a block
 * is never emitted twice nor skipped; when the link breaks, the stream walks back through the
 * unfinalized window to the common ancestor and emits `reorg` before the new branch. Logs are
 * read by block hash (EIP-234), so they belong to exactly the block they are emitted with.
 */

/** Settings of a block stream. */
export interface BlockStreamOptions {
  pool: RpcPool;
  /** The last block already applied (a checkpoint, or the block a fresh load was read at). */
  from: BlockRef;
  /** Blocks kept for rollback; a block this deep under the tip is final. */
  finalityDepth: number;
  /** Log topic0 values of interest (e.g. Sync, Swap, Mint, Burn). */
  topics: readonly Hex[];
  /** Whether a log's emitter is tracked (lower-case address); asked for every log. */
  isTracked: (address: string) => boolean;
  /** Receives events in order; the stream waits for it, so a slow consumer slows the stream, never drops. */
  onEvent: (event: ChainEvent) => Promise<void> | void;
}

/** A block stream over one pool of endpoints. */
export interface BlockStream {
  /** Catches up with the head once (serialised: concurrent calls share one run). */
  sync(): Promise<void>;
  /** The newest block emitted. */
  tip(): BlockRef;
  /** Highest head any endpoint reported. */
  knownHead(): bigint;
}

/** Creates a stream that continues after `options.from`. */
export function createBlockStream(options: BlockStreamOptions): BlockStream {
  const { pool, finalityDepth } = options;
  // Ascending; [0] is the finalized anchor (the deepest point a rollback may reach).
  const chain: BlockRef[] = [refOf(options.from)];
  let knownHead = options.from.number;
  let running: Promise<void> | undefined;
  let again = false;

  const tip = (): BlockRef => chain[chain.length - 1] as BlockRef;

  async function blockAt(number: bigint, mustExist: boolean): Promise<BlockHeader | null> {
    const raw = await pool.request('eth_getBlockByNumber', [toQuantity(number), false], { requireResult: mustExist });
    return raw === null || raw === undefined ? null : parseBlockHeader(raw);
  }

  async function logsOf(block: BlockHeader): Promise<ChainLog[]> {
    const raw = (await pool.request('eth_getLogs', [{ blockHash: block.hash, topics: [options.topics] }])) as unknown[];
    const logs = raw.map(parseLog).filter((l) => options.isTracked(l.address));
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

  /** The head every endpoint could agree on as the best known: the max of a probe when we doubt one. */
  async function readHead(): Promise<bigint> {
    const head = BigInt((await pool.request('eth_blockNumber', [])) as string);
    if (head >= tip().number) return head;
    // Lower than what we applied: a lagging endpoint, or a chain that really got shorter.
    const heads = [...(await pool.probeHeads()).values()].filter((h): h is bigint => h !== null);
    return heads.reduce((a, b) => (b > a ? b : a), head);
  }

  async function rollBack(trigger: string): Promise<void> {
    for (let i = chain.length - 1; i >= 0; i -= 1) {
      const kept = chain[i] as BlockRef;
      // Above the head every endpoint reports, a missing block means it left the chain.
      const canonical = await blockAt(kept.number, kept.number <= knownHead);
      if (canonical?.hash === kept.hash) {
        if (i === chain.length - 1) return; // false alarm: the tip is still canonical
        const dropped = chain.splice(i + 1).reverse();
        await options.onEvent({ type: 'reorg', commonAncestor: kept, dropped });
        return;
      }
    }
    const anchor = chain[0] as BlockRef;
    throw new ReorgTooDeepError(
      `reorg deeper than the unfinalized window of ${finalityDepth} blocks (${trigger}): block ${anchor.number} (${anchor.hash}) ` +
        `is no longer canonical; the market state cannot roll back and must be reloaded`,
      { details: { finalityDepth, anchor: anchor.number.toString() } },
    );
  }

  async function emitBlock(block: BlockHeader): Promise<void> {
    const logs = await logsOf(block);
    await options.onEvent({ type: 'block', block, logs });
    chain.push(refOf(block));
    if (chain.length > finalityDepth + 1) {
      chain.splice(0, chain.length - finalityDepth - 1);
      await options.onEvent({ type: 'finalized', block: chain[0] as BlockRef });
    }
  }

  async function catchUp(): Promise<void> {
    const head = await readHead();
    // Lower than before only when every endpoint agrees (readHead probes): e.g. evm_revert.
    knownHead = head;
    if (head < tip().number) await rollBack(`head ${head} is below our tip ${tip().number}`);
    for (;;) {
      const current = tip();
      if (current.number >= knownHead) {
        // Same height: a reorg that kept the length only shows as a different hash here.
        const canonical = await blockAt(current.number, true);
        if (canonical && canonical.hash !== current.hash) {
          await rollBack(`block ${current.number} changed hash`);
          continue;
        }
        return;
      }
      const next = await blockAt(current.number + 1n, true);
      if (next === null) return;
      if (next.parentHash !== current.hash) {
        await rollBack(`block ${next.number} does not extend ${current.hash}`);
        continue;
      }
      await emitBlock(next);
    }
  }

  function sync(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await catchUp();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  return { sync, tip, knownHead: () => knownHead };
}
