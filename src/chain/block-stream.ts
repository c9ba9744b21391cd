import type { Hex } from 'viem';
import { AnnouncedHeads } from './announced-heads.ts';
import {
  blockByHashCall,
  blockByNumberCall,
  FINALIZED_CALL,
  logsByHashCall,
  bloomDoubtsEmptyLogs,
  receiptsCall,
  trackedLogsFromReceipts,
  nodeFinalizedFrom,
  resultOf,
  trackedLogs,
  type LogFilter,
} from './block-fetch.ts';
import { FinalityTracker, type FinalityRule, type FinalityStatus } from './finality.ts';
import { ReorgTooDeepError } from './rpc-errors.ts';
import type { RpcPool } from './rpc-pool.ts';
import { quantityField } from './answer-fields.ts';
import { parseBlockHeader, refOf, toQuantity, type BlockHeader, type BlockRef, type ChainEvent, type ChainLog } from './types.ts';

/**
 * The block stream: turns "there may be a new head" into an ordered sequence of `ChainEvent`s.
 * Every emitted block is the child of the previous one (its parent hash is checked), so a block
 * is never emitted twice nor skipped; when the link breaks, the stream walks back through the
 * unfinalized window to the common ancestor and emits `reorg` before the new branch. Logs are
 * read by block hash (EIP-234), so they belong to exactly the block they are emitted with.
 * Blocks leave the window as `finalized` when both our depth rule and the node's `finalized`
 * tag say so (src/chain/finality.ts); the tag is asked once per sync, alongside the head.
 *
 * Round trips: a head the node announced with its header (WebSocket newHeads, `announce`) that
 * extends our tip is fetched by hash — the block, its logs and the node's finalized block in ONE
 * batch — with no `eth_blockNumber` (the announcement is the head). Otherwise a sync asks the
 * head, then the blocks up to it by number in one batch, then their logs by hash in one batch,
 * {@link MAX_BLOCKS_PER_FETCH} blocks at a time.
 */

/** Blocks fetched per batch when catching up: bounds the memory of a long catch-up and the size of one answer. */
export const MAX_BLOCKS_PER_FETCH = 100;

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
  /** Every tracked emitter: an empty logs answer for a block whose bloom holds one with a topic is refused (block-fetch.ts). */
  trackedAddresses?: () => Iterable<string>;
  /** Receives events in order; the stream waits for it, so a slow consumer slows the stream, never drops. */
  onEvent: (event: ChainEvent) => Promise<void> | void;
}

/** A block stream over one pool of endpoints. */
export interface BlockStream {
  /** Catches up with the head once (serialised: concurrent calls share one run). */
  sync(): Promise<void>;
  /**
   * A header the node announced as its new head (a newHeads message, already parsed): the next
   * sync fetches it by hash in one round trip if it extends the tip. Only a hint: call `sync`.
   */
  announce(header: BlockHeader): void;
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
  const filter: LogFilter = { topics: options.topics, isTracked: options.isTracked, ...(options.trackedAddresses ? { trackedAddresses: options.trackedAddresses } : {}) };
  const announced = new AnnouncedHeads();
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

  /** The head every endpoint could agree on as the best known: the max of a probe when we doubt one. */
  async function readHead(): Promise<bigint> {
    const head = quantityField(await pool.request('eth_blockNumber', []), 'eth_blockNumber');
    if (head >= tip().number) return head;
    // Lower than what we applied: a lagging endpoint, or a chain that really got shorter.
    const heads = [...(await pool.probeHeads()).values()].filter((h): h is bigint => h !== null);
    return heads.reduce((a, b) => (b > a ? b : a), head);
  }

  /** Our block at `number`, if the window holds it. */
  const inWindow = (number: bigint): BlockRef | undefined => chain[Number(number - (chain[0] as BlockRef).number)];

  /**
   * The node's `finalized` block, or null when it has none (src/chain/block-fetch.ts).
   * Undefined when no endpoint answered: finality then simply waits for the next sync.
   */
  async function readNodeFinalized(): Promise<BlockRef | null | undefined> {
    try {
      return nodeFinalizedFrom((await pool.batch([FINALIZED_CALL]))[0]);
    } catch {
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

  /** Emits a block that extends the tip, with its logs, then finalizes what that makes final. */
  async function emitBlock(block: BlockHeader, logs: ChainLog[]): Promise<void> {
    const current = tip();
    // Every path checked the link already; this is the one place all blocks pass, so it holds here too.
    if (block.number !== current.number + 1n || block.parentHash !== current.hash) {
      throw new Error(`block stream bug: block ${block.number} (parent ${block.parentHash}) does not extend the tip ${current.number} (${current.hash})`);
    }
    await options.onEvent({ type: 'block', block, logs });
    chain.push(refOf(block));
    await finalize();
  }

  /**
   * The announced blocks that extend our tip, fetched by hash (each block and its logs) in one
   * batch with the node's finalized block, and emitted. True when at least one was; false when
   * none extends the tip or the endpoint does not have them yet: the caller then looks as it
   * would without announcements (the head, then the blocks by number).
   */
  async function followAnnounced(): Promise<boolean> {
    const headers = announced.chainFrom(tip(), MAX_BLOCKS_PER_FETCH);
    if (headers.length === 0) return false;
    // The socket's endpoint reported this head; a look by the slow path may still lower it.
    const announcedHead = (headers[headers.length - 1] as BlockHeader).number;
    if (announcedHead > knownHead) knownHead = announcedHead;
    const calls = headers.flatMap((h) => [blockByHashCall(h.hash), logsByHashCall(h.hash, filter, true, h)]);
    const answers = await pool.batch([...calls, FINALIZED_CALL]);
    const fetched: { block: BlockHeader; raw: unknown }[] = [];
    for (const [i, header] of headers.entries()) {
      const rawBlock = resultOf(answers[2 * i]);
      const rawLogs = resultOf(answers[2 * i + 1]);
      // Not there yet (the socket's node is ahead of this endpoint): the slow path decides.
      if (rawBlock === null || rawBlock === undefined || rawLogs === null || rawLogs === undefined) break;
      const block = parseBlockHeader(rawBlock);
      // The header we emit is the endpoint's, asked by the announced hash: it must be the block announced.
      if (block.hash !== header.hash || block.parentHash !== header.parentHash || block.number !== header.number) {
        announced.forget(header.number);
        break;
      }
      fetched.push({ block, raw: rawLogs });
    }
    if (fetched.length === 0) return false;
    const logs = await checkedLogs(fetched);
    for (const [i, { block }] of fetched.entries()) await emitBlock(block, logs[i] as ChainLog[]);
    if (await noteNodeFinalized(nodeFinalizedFrom(answers[answers.length - 1]))) await finalize();
    return true;
  }

  async function catchUp(): Promise<void> {
    // The fast path needs to know whether the node has a finalized tag (the first sync asks it).
    // Blocks beyond what was announced (the head moved on without a notice) are the slow path's.
    const followed = finality.known && (await followAnnounced());
    announced.dropThrough(tip().number);
    if (followed && tip().number >= knownHead) return;
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
    const following = tip();
    if (await noteNodeFinalized(await answer)) await finalize();
    // The node finalized a block that is not ours and the check rolled our branch back: follow the chain.
    if (tip() !== following) await followToHead();
    announced.dropThrough(tip().number);
  }

  /** Blocks `from`..`to` by number, in one batch; each must exist (a null fails over: that endpoint is behind). */
  async function blocksByNumber(from: bigint, to: bigint): Promise<BlockHeader[]> {
    const calls = [];
    for (let n = from; n <= to; n += 1n) calls.push(blockByNumberCall(n));
    return (await pool.batch(calls)).map((answer) => parseBlockHeader(resultOf(answer)));
  }

  /** The tracked logs of each block, by its hash, in one batch. */
  async function logsOfBlocks(blocks: readonly BlockHeader[]): Promise<ChainLog[][]> {
    const answers = await pool.batch(blocks.map((b) => logsByHashCall(b.hash, filter, false, b)));
    return checkedLogs(blocks.map((block, i) => ({ block, raw: resultOf(answers[i]) })));
  }

  /**
   * The tracked logs of each block from its logs answer; an empty answer its bloom still doubts
   * (it was refused once already: logsByHashCall) is settled by the block's receipts, all in one
   * batch: the logs they hold, or none when the bloom's "maybe" was a false positive.
   */
  async function checkedLogs(answers: readonly { block: BlockHeader; raw: unknown }[]): Promise<ChainLog[][]> {
    const doubted = answers.filter(({ block, raw }) => bloomDoubtsEmptyLogs(block, raw, filter) !== undefined);
    const receipts = doubted.length === 0 ? [] : await pool.batch(doubted.map(({ block }) => receiptsCall(block.hash)));
    return answers.map(({ block, raw }) => {
      const k = doubted.findIndex((d) => d.block === block);
      return k < 0 ? trackedLogs(block, raw, filter) : trackedLogsFromReceipts(block, receipts[k], filter);
    });
  }

  /**
   * Emits every block up to the known head, rolling back wherever the chain no longer links: the
   * blocks of a range by number in one batch, then their logs by hash in another.
   */
  async function followToHead(): Promise<void> {
    // Whether the tip was read by number in this pass: it was the node's block at its height a
    // moment ago, so the same-height check below would only repeat that question. A reorg after
    // it is found by the next look, as is any block that arrives after a look.
    let tipJustRead = false;
    for (;;) {
      const current = tip();
      if (current.number >= knownHead) {
        if (tipJustRead) return;
        // Same height: a reorg that kept the length only shows as a different hash here.
        const canonical = await blockAt(current.number, true);
        if (canonical && canonical.hash !== current.hash) {
          await rollBack(`block ${current.number} changed hash`);
          continue;
        }
        return;
      }
      const last = knownHead < current.number + BigInt(MAX_BLOCKS_PER_FETCH) ? knownHead : current.number + BigInt(MAX_BLOCKS_PER_FETCH);
      const blocks = await blocksByNumber(current.number + 1n, last);
      // The part of the range that links up from our tip; chunks of a batch may come from
      // different endpoints, or the node reorged between them: the rest is looked at again.
      let linked = 0;
      for (let parent: BlockRef = current; linked < blocks.length; linked += 1) {
        const block = blocks[linked] as BlockHeader;
        if (block.number !== parent.number + 1n || block.parentHash !== parent.hash) break;
        parent = block;
      }
      if (linked === 0) {
        await rollBack(`block ${current.number + 1n} does not extend ${current.hash}`);
        tipJustRead = false;
        continue;
      }
      const linkedBlocks = blocks.slice(0, linked);
      const logs = await logsOfBlocks(linkedBlocks);
      for (const [i, block] of linkedBlocks.entries()) await emitBlock(block, logs[i] as ChainLog[]);
      tipJustRead = linked === blocks.length;
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
    announce: (header) => announced.add(header),
    tip,
    knownHead: () => knownHead,
    finality: () => ({ finalized: lastFinalized?.block ?? null, rule: lastFinalized?.rule ?? null, ...finality.view(), unfinalizedBlocks: chain.length - 1 }),
  };
}
