import type { BlockRef } from './types.ts';

/**
 * When a block is final, i.e. no reorg can remove it any more, so its undo data can go.
 *
 * Two sources: our own rule (a block `finalityDepth` blocks under the tip) and the node's
 * `finalized` block tag (post-merge Ethereum: the Casper FFG checkpoint; L2s: the block whose
 * batch is final on L1; anvil: 64 blocks under its head). A block is final only when BOTH say
 * so: final = min(tip - finalityDepth, node's finalized block). The rule is that a block must
 * never be considered final while a reorg can still remove it, and either source alone breaks
 * it somewhere. The node alone: on a chain that finalizes at once (or a node that reports its
 * head as finalized) a one-block reorg would find nothing left to roll back to. The depth alone:
 * when finality stalls (mainnet lost finality for up to an hour in May 2023; an L2's finality
 * waits for L1) blocks N deep are not final at all, and a reorg through them must still be
 * rolled back, not turned into a fatal ReorgTooDeepError. Taking the lower of the two keeps
 * everything above the node's finalized block in the window, at the cost of a longer window
 * while finality lags. A reorg below the node's finalized block breaks the chain's own
 * finality: that, like a reorg below our window, is the ReorgTooDeepError case.
 *
 * The node's finalized block is trusted only once its hash is the one on our chain at that
 * height (an endpoint on another fork must not finalize our blocks); a node that has no
 * finalized block (geth before the merge, some dev chains) leaves the depth rule alone.
 * One bound keeps memory finite when a node's finalized block never moves (a broken or
 * misconfigured node): the window never holds more than `maxUnfinalizedBlocks`; when that
 * bound decides, `/health` says so (rule 'window-cap').
 */

/** What decided the newest final block. */
export type FinalityRule = 'depth' | 'node' | 'window-cap';

/** What we know of the node's `finalized` tag. */
export type NodeFinalitySupport = 'unknown' | 'none' | 'reported';

/** The finality view for `/health`. */
export interface FinalityStatus {
  /** Newest block emitted as finalized; null before the first. */
  finalized: BlockRef | null;
  /** Which rule fixed it. */
  rule: FinalityRule | null;
  /** Whether the node reports a finalized block ('unknown' until it has been asked once). */
  nodeSupport: NodeFinalitySupport;
  /** The node's newest finalized block that is on our chain (hash checked). */
  nodeFinalized: BlockRef | null;
  /** The height of the node's latest `finalized` answer, checked or not. */
  nodeReported: bigint | null;
  /** Blocks above the newest final one, kept for rollback. */
  unfinalizedBlocks: number;
}

/** Tracks the node's finality reports and says up to which block the chain is final. */
export class FinalityTracker {
  private support: NodeFinalitySupport = 'unknown';
  private verified: BlockRef | null = null;
  private reported: bigint | null = null;

  constructor(
    private readonly finalityDepth: number,
    private readonly maxUnfinalizedBlocks: number,
  ) {}

  /** Whether the node has been asked at least once. */
  get known(): boolean {
    return this.support !== 'unknown';
  }

  /** The node's newest finalized block known to be on our chain. */
  get nodeFinalized(): BlockRef | null {
    return this.verified;
  }

  /** The node said it has no finalized block; the depth rule decides unless it reported one before. */
  noneReported(): void {
    if (this.support === 'unknown') this.support = 'none';
  }

  /** The node reported `block` as finalized, and `ours` is our block at that height (undefined: not in our window). */
  reportedFinalized(block: BlockRef, ours: BlockRef | undefined): 'accepted' | 'not-ours' | 'unchecked' {
    this.support = 'reported';
    this.reported = block.number;
    if (ours === undefined) return 'unchecked';
    if (ours.hash !== block.hash) return 'not-ours';
    if (this.verified === null || block.number > this.verified.number) this.verified = ours;
    return 'accepted';
  }

  /**
   * The highest block final now with `tip` our newest block, and the rule that fixed it; null
   * while nothing may be finalized (the node not asked yet, or none of its finalized blocks
   * checked against our chain yet).
   */
  target(tip: bigint): { number: bigint; rule: FinalityRule } | null {
    const byDepth = tip - BigInt(this.finalityDepth);
    let found: { number: bigint; rule: FinalityRule } | null = null;
    if (this.support === 'none') found = { number: byDepth, rule: 'depth' };
    else if (this.support === 'reported' && this.verified !== null) {
      found = this.verified.number < byDepth ? { number: this.verified.number, rule: 'node' } : { number: byDepth, rule: 'depth' };
    }
    const byCap = tip - BigInt(this.maxUnfinalizedBlocks);
    if (found === null || found.number < byCap) found = { number: byCap, rule: 'window-cap' };
    return found.number < 0n ? null : found;
  }

  /** The node-side part of the status. */
  view(): Pick<FinalityStatus, 'nodeSupport' | 'nodeFinalized' | 'nodeReported'> {
    return { nodeSupport: this.support, nodeFinalized: this.verified, nodeReported: this.reported };
  }
}
