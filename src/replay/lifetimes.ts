import type { FlashSource } from '../scanner/flash-source.ts';
import type { Opportunity } from '../scanner/types.ts';
import type { Closer } from './closers.ts';
import { routeKey } from './route-key.ts';

/** One opportunity of the replay: the route as first found, and how long it lasted. */
export interface ReplayOpportunity {
  /** Block it opened at (its amounts are that block's). */
  block: number;
  pools: string[];
  tokens: string[];
  /** Start token's symbol (the unit of every amount). */
  symbol: string;
  amounts: bigint[];
  profit: bigint;
  flashSource: FlashSource;
  flashFee: bigint;
  gasCost: bigint;
  netProfit: bigint;
  /**
   * Counted in the totals: the best of the opportunities opening in its block that share no
   * pool with a better one (the same gap seen from both start tokens is counted once).
   */
  captured: boolean;
  /** Blocks until a block where it no longer profits; null while still open at the end. */
  lifetime: number | null;
  closedAt: number | null;
  closedBy: Closer | null;
}

/** Lifetimes over the whole replay. */
export interface LifetimeSummary {
  opportunities: number;
  closed: number;
  openAtEnd: number;
  /** Shares of all opportunities closed within 1, 2 and 5 blocks (0..1; null with none). */
  within1: number | null;
  within2: number | null;
  within5: number | null;
  /** The longest-lived (closed or still open at the end, then counted to the end), longest first. */
  longest: ReplayOpportunity[];
}

/** Tracks each route from the block it opens to the block it no longer profits. */
export class LifetimeTracker {
  private readonly open = new Map<string, ReplayOpportunity>();
  private readonly found: ReplayOpportunity[] = [];

  get openCount(): number {
    return this.open.size;
  }

  /** Keys of the open routes that `found` no longer has (they close in this block). */
  closing(found: readonly Opportunity[]): Set<string> {
    const now = new Set(found.map(routeKey));
    return new Set([...this.open.keys()].filter((k) => !now.has(k)));
  }

  /** Closes what ended, opens what is new (best first, as the scanner ranks); returns the new ones. */
  observe(block: number, found: readonly Opportunity[], closers: ReadonlyMap<string, Closer>, symbolOf: (o: Opportunity) => string): ReplayOpportunity[] {
    for (const key of this.closing(found)) {
      const o = this.open.get(key)!;
      o.lifetime = block - o.block;
      o.closedAt = block;
      o.closedBy = closers.get(key) ?? { by: 'unknown' };
      this.open.delete(key);
    }
    const opened: ReplayOpportunity[] = [];
    const usedPools = new Set<string>();
    for (const o of found) {
      const key = routeKey(o);
      if (this.open.has(key)) continue;
      const captured = o.pools.every((p) => !usedPools.has(p));
      if (captured) for (const p of o.pools) usedPools.add(p);
      const entry: ReplayOpportunity = {
        block, pools: o.pools, tokens: o.tokens, symbol: symbolOf(o), amounts: o.amounts, profit: o.profit,
        flashSource: o.flashSource, flashFee: o.flashFee, gasCost: o.gasCost, netProfit: o.netProfit,
        captured, lifetime: null, closedAt: null, closedBy: null,
      };
      this.open.set(key, entry);
      this.found.push(entry);
      opened.push(entry);
    }
    return opened;
  }

  /** Every opportunity, in the order found. */
  all(): ReplayOpportunity[] {
    return this.found;
  }

  /** Shares closed within 1, 2, 5 blocks, and the longest-lived (open ones counted to `lastBlock` + 1). */
  summary(lastBlock: number, longest = 5): LifetimeSummary {
    const n = this.found.length;
    const closed = this.found.filter((o) => o.lifetime !== null);
    const share = (blocks: number): number | null => (n === 0 ? null : closed.filter((o) => o.lifetime! <= blocks).length / n);
    const span = (o: ReplayOpportunity): number => o.lifetime ?? lastBlock + 1 - o.block;
    return {
      opportunities: n, closed: closed.length, openAtEnd: n - closed.length,
      within1: share(1), within2: share(2), within5: share(5),
      longest: [...this.found].sort((a, b) => span(b) - span(a) || a.block - b.block).slice(0, longest),
    };
  }
}
