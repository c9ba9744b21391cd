/**
 * The staleness guard: the market state knows how old it is. Decisions downstream are refused
 * (with the reason, for /health and metrics) when the state is more than `maxStaleBlocks` behind
 * the best head any endpoint reports, when the endpoints disagree on the head by more than
 * `maxEndpointSpread` blocks (one of them is lagging or on another fork: we cannot tell which
 * view is true), or when no endpoint answers at all.
 */

/** Guard settings (`ORION_MAX_STALE_BLOCKS` feeds `maxStaleBlocks`). */
export interface StalenessOptions {
  maxStaleBlocks: number;
  /** Largest tolerated difference between endpoint heads; default `maxStaleBlocks`. */
  maxEndpointSpread?: number;
}

/** Why decisions are refused. */
export type StaleReason = 'not-synced' | 'no-head' | 'behind' | 'endpoints-disagree';

/** The verdict, with the figures behind it. */
export type Freshness =
  | { fresh: true; stateBlock: bigint; head: bigint; ageBlocks: number }
  | { fresh: false; reason: StaleReason; message: string; stateBlock: bigint | null; head: bigint | null; ageBlocks: number | null };

/** Judges the state at `stateBlock` against the heads endpoints reported (null = no answer). */
export function assessFreshness(stateBlock: bigint | null, heads: ReadonlyMap<string, bigint | null>, options: StalenessOptions): Freshness {
  const reported = [...heads.entries()].filter((e): e is [string, bigint] => e[1] !== null);
  if (stateBlock === null) {
    return { fresh: false, reason: 'not-synced', message: 'the market state is not loaded yet', stateBlock, head: null, ageBlocks: null };
  }
  if (reported.length === 0) {
    return { fresh: false, reason: 'no-head', message: `no RPC endpoint reported a head (${heads.size} configured)`, stateBlock, head: null, ageBlocks: null };
  }
  const values = reported.map(([, h]) => h);
  const head = values.reduce((a, b) => (b > a ? b : a));
  const low = values.reduce((a, b) => (b < a ? b : a));
  const ageBlocks = Number(head > stateBlock ? head - stateBlock : 0n);
  const spread = Number(head - low);
  const maxSpread = options.maxEndpointSpread ?? options.maxStaleBlocks;
  if (spread > maxSpread) {
    const detail = reported.map(([url, h]) => `${url} at ${h}`).join(', ');
    return { fresh: false, reason: 'endpoints-disagree', message: `RPC endpoints disagree on the head by ${spread} blocks (max ${maxSpread}): ${detail}`, stateBlock, head, ageBlocks };
  }
  if (ageBlocks > options.maxStaleBlocks) {
    return { fresh: false, reason: 'behind', message: `market state at block ${stateBlock} is ${ageBlocks} blocks behind head ${head} (max ${options.maxStaleBlocks})`, stateBlock, head, ageBlocks };
  }
  return { fresh: true, stateBlock, head, ageBlocks };
}

/** Keeps the latest verdict for the orchestrator (refuse) and /health (reason). */
export class StalenessGuard {
  private last: Freshness = { fresh: false, reason: 'not-synced', message: 'the market state is not loaded yet', stateBlock: null, head: null, ageBlocks: null };

  constructor(private readonly options: StalenessOptions) {}

  /** Records a new observation and returns the verdict. */
  observe(stateBlock: bigint | null, heads: ReadonlyMap<string, bigint | null>): Freshness {
    this.last = assessFreshness(stateBlock, heads, this.options);
    return this.last;
  }

  /** The latest verdict. */
  verdict(): Freshness {
    return this.last;
  }

  /** Whether a decision may be taken on the state now. */
  allowsDecisions(): boolean {
    return this.last.fresh;
  }
}
