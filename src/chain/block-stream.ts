import type { Hex } from 'viem';
import { RetryableError } from '../errors.ts';
import { FinalityTracker, type FinalityRule, type FinalityStatus } from './finality.ts';
import { ReorgTooDeepError, RpcCallError } from './rpc-errors.ts';
import type { RpcPool } from './rpc-pool.ts';
import { parseBlockHeader, parseLog, refOf, toQuantity, type BlockHeader, type BlockRef, type ChainEvent, type ChainLog } from './types.ts';

/**
 * The block stream: turns "there may be a new head" into an ordered sequence of `ChainEvent`s.
 * Every emitted block is the child of the previous one (its parent hash is checked), so a block
 * is never emitted twice nor skipped; when the link breaks, the stream walks back through the
 * unfinalized window to the common ancestor and emits `reorg` before the new branch. Logs are
 * read by block hash (EIP-234), so they belong to exactly the block they are emitted with.
 * Blocks leave the window as `finalized` when both our depth rule and the node's `finalized`
 * tag say so (src/chain/finality.ts); the tag is asked once per sync, alongside the head.
 */

/** Settings of a block stream. */
export interface BlockStreamOptions {
  pool: RpcPool;
  /** The last block already applied (a checkpoint, or the block a fresh load was read at). */
  from: BlockRef;
  /**
   * Blocks kept for rollback at least: a block is final when it is this deep under the tip AND
   * the node reports it finalized (or the node has no `finalized` tag).
   */
  finalityDepth: number;
  /** Most blocks ever kept, whatever the node says (a node whose finalized block never moves); default max(10,000, finalityDepth). */
  maxUnfinalizedBlocks?: number;
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
  /** What is final and why, for `/health`. */
  finality(): FinalityStatus;
}

/** Creates a stream that continues after `options.from`. */
export function createBlockStream(options: BlockStreamOptions): BlockStream {
  const { pool, finalityDepth } = options;
  // Ascending and contiguous; [0] is the anchor (the deepest point a rollback may reach): the
  // last finalized block, or `from` until one is.
  const chain: BlockRef[] = [refOf(options.from)];
  const finality = new FinalityTracker(finalityDepth, Math.max(options.maxUnfinalizedBlocks ?? 10_000, finalityDepth));
  let lastFinalized: { block: BlockRef; rule: FinalityRule } | null = null;
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

  /** Our block at `number`, if the window holds it. */
  const inWindow = (number: bigint): BlockRef | undefined => chain[Number(number - (chain[0] as BlockRef).number)];

  /**
   * The node's `finalized` block, or null when it has none: a "not found" (geth before the merge)
   * or a rejected tag (a node that does not know it) is an answer, not a fault to fail over on.
   * Undefined when no endpoint answered: finality then simply waits for the next sync.
   */
  async function readNodeFinalized(): Promise<BlockRef | null | undefined> {
    try {
      const raw = await pool.request('eth_getBlockByNumber', ['finalized', false], { notFoundIsNull: true });
      return raw === null || raw === undefined ? null : refOf(parseBlockHeader(raw));
    } catch (error) {
      if (error instanceof RpcCallError) return null;
      return undefined;
    }
  }

  /**
   * Records the node's answer (false when there was none); a finalized block that is not ours
   * means our branch may be dead: roll back to the chain if it is.
   */
  async function noteNodeFinalized(reported: BlockRef | null | undefined): Promise<boolean> {
    if (reported === undefined) return false;
    if (reported === null) {
      finality.noneReported();
      return true;
    }
    const ours = reported.number >= (chain[0] as BlockRef).number ? inWindow(reported.number) : undefined;
    if (finality.reportedFinalized(reported, ours) === 'not-ours') {
      await rollBack(`the node's finalized block ${reported.number} is ${reported.hash}, ours is ${ours?.hash}`);
    }
    return true;
  }

  /** Emits `finalized` for the newest block both rules agree is final, and drops it and older from the window. */
  async function finalize(): Promise<void> {
    const target = finality.target(tip().number);
    const anchor = chain[0] as BlockRef;
    if (target === null || target.number <= anchor.number) return;
    chain.splice(0, Number(target.number - anchor.number));
    lastFinalized = { block: chain[0] as BlockRef, rule: target.rule };
    await options.onEvent({ type: 'finalized', block: chain[0] as BlockRef });
  }

  /** Our newest block the chain still holds, walking down the window; null when even the anchor left it. */
  async function commonAncestor(): Promise<{ block: BlockRef; index: number } | null> {
    for (let i = chain.length - 1; i >= 0; i -= 1) {
      const kept = chain[i] as BlockRef;
      // Above the head every endpoint reports, a missing block means it left the chain.
      const canonical = await blockAt(kept.number, kept.number <= knownHead);
      if (canonical?.hash === kept.hash) return { block: kept, index: i };
    }
    return null;
  }

  async function rollBack(trigger: string): Promise<void> {
    const ancestor = await commonAncestor();
    if (ancestor?.index === chain.length - 1) return; // false alarm: the tip is still canonical
    const nodeFinalized = finality.nodeFinalized;
    // Our anchor is never above the node's finalized block (except when the window cap decided):
    // a reorg through the anchor took the node's finalized block with it.
    const lowest = ancestor?.block.number ?? (chain[0] as BlockRef).number - 1n;
    if (nodeFinalized !== null && lowest < nodeFinalized.number) {
      throw new ReorgTooDeepError(
        `reorg below the node's finalized block ${nodeFinalized.number} (${nodeFinalized.hash}) (${trigger}): the chain broke its own ` +
          `finality (common ancestor ${ancestor === null ? `below block ${(chain[0] as BlockRef).number}` : `block ${ancestor.block.number}`}); ` +
          `the market state must be reloaded`,
        { details: { nodeFinalized: nodeFinalized.number.toString(), commonAncestor: ancestor?.block.number.toString() ?? null } },
      );
    }
    if (ancestor === null) {
      const anchor = chain[0] as BlockRef;
      throw new ReorgTooDeepError(
        `reorg deeper than the unfinalized window of ${chain.length - 1} blocks (${trigger}): block ${anchor.number} (${anchor.hash}) ` +
          `is no longer canonical; the market state cannot roll back and must be reloaded`,
        { details: { finalityDepth, window: chain.length - 1, anchor: anchor.number.toString() } },
      );
    }
    const dropped = chain.splice(ancestor.index + 1).reverse();
    await options.onEvent({ type: 'reorg', commonAncestor: ancestor.block, dropped });
  }

  async function emitBlock(block: BlockHeader): Promise<void> {
    const logs = await logsOf(block);
    await options.onEvent({ type: 'block', block, logs });
    chain.push(refOf(block));
    await finalize();
  }

  async function catchUp(): Promise<void> {
    // The node's finalized block is asked with the head and applied once the new blocks are out,
    // so it adds no latency between a new head and its block event; it is checked against our
    // block at its height, which we hold by then. Only on the first sync is it awaited before
    // following: until we know whether the node has the tag, nothing may be final by depth alone.
    const answer = readNodeFinalized();
    const first = !finality.known;
    const head = first ? (await Promise.all([readHead(), answer]))[0] : await readHead();
    // Lower than before only when every endpoint agrees (readHead probes): e.g. evm_revert.
    knownHead = head;
    if (head < tip().number) await rollBack(`head ${head} is below our tip ${tip().number}`);
    if (first && (await noteNodeFinalized(await answer))) await finalize();
    await followToHead();
    const followed = tip();
    if (await noteNodeFinalized(await answer)) await finalize();
    // The node finalized a block that is not ours and the check rolled our branch back: follow the chain.
    if (tip() !== followed) await followToHead();
  }

  /** Emits every block up to the known head, rolling back wherever the chain no longer links. */
  async function followToHead(): Promise<void> {
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

  return {
    sync,
    tip,
    knownHead: () => knownHead,
    finality: () => ({ finalized: lastFinalized?.block ?? null, rule: lastFinalized?.rule ?? null, ...finality.view(), unfinalizedBlocks: chain.length - 1 }),
  };
}
