import type { BlockRef, ChainEvent } from '../types.ts';

/**
 * TEST CODE — records a block stream's events and replays them onto a list of applied blocks
 * the way the market state does (reorg pops, block pushes), so tests can check that the result
 * is exactly the canonical chain: no block applied twice, none skipped.
 */
export class ChainRecorder {
  readonly events: ChainEvent[] = [];
  readonly applied: BlockRef[] = [];
  /** Every (number, hash) ever applied, to catch a block applied twice. */
  readonly appliedTwice: string[] = [];
  private readonly seen = new Set<string>();

  constructor(base: BlockRef) {
    this.applied.push(base);
  }

  /** The `onEvent` callback to hand to the stream. */
  readonly onEvent = (event: ChainEvent): void => {
    this.events.push(event);
    if (event.type === 'block') {
      const key = `${event.block.number}:${event.block.hash}`;
      if (this.seen.has(key)) this.appliedTwice.push(key);
      this.seen.add(key);
      const parent = this.applied[this.applied.length - 1];
      if (parent === undefined || event.block.parentHash !== parent.hash || event.block.number !== parent.number + 1n) {
        throw new Error(`block ${event.block.number} does not extend the applied tip ${parent?.number}`);
      }
      this.applied.push(event.block);
    } else if (event.type === 'reorg') {
      const at = this.applied.findIndex((b) => b.hash === event.commonAncestor.hash);
      if (at < 0) throw new Error(`reorg ancestor ${event.commonAncestor.number} is not in the applied chain`);
      const removed = this.applied.splice(at + 1);
      // Once rolled back, a block of the dropped branch may legitimately come back.
      for (const b of removed) this.seen.delete(`${b.number}:${b.hash}`);
    }
  };
}
