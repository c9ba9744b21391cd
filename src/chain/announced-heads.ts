import type { BlockHeader, BlockRef } from './types.ts';

/**
 * Headers the node announced (WebSocket `newHeads`), kept until the block stream has used them:
 * the newest announcement per height, at most {@link MAX_ANNOUNCED} (a socket naming heads we
 * never reach must not grow memory). An announcement is never trusted on its own: the stream
 * uses one only when it links to its tip, and fetches the block by that hash to emit it.
 */

/** Announcements kept at most. */
export const MAX_ANNOUNCED = 64;

export class AnnouncedHeads {
  private readonly byNumber = new Map<bigint, BlockHeader>();

  add(header: BlockHeader): void {
    // Re-inserted so the map's order stays the order of arrival: the oldest is dropped first.
    this.byNumber.delete(header.number);
    this.byNumber.set(header.number, header);
    if (this.byNumber.size > MAX_ANNOUNCED) this.byNumber.delete(this.byNumber.keys().next().value as bigint);
  }

  /** The announced headers that extend `tip` link by link (height + 1, parent hash), oldest first, at most `max`. */
  chainFrom(tip: BlockRef, max: number): BlockHeader[] {
    const chain: BlockHeader[] = [];
    let parent: BlockRef = tip;
    for (;;) {
      const next = this.byNumber.get(parent.number + 1n);
      if (next === undefined || next.parentHash !== parent.hash || chain.length === max) return chain;
      chain.push(next);
      parent = next;
    }
  }

  /** Forgets the announcement at `number` (its block did not match it). */
  forget(number: bigint): void {
    this.byNumber.delete(number);
  }

  /** Forgets every announcement at or below `number` (emitted, or overtaken by the chain we follow). */
  dropThrough(number: bigint): void {
    for (const height of this.byNumber.keys()) if (height <= number) this.byNumber.delete(height);
  }
}
