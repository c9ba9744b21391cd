import type { Hex } from 'viem';
import type { EndpointProbe } from '../chain/rpc-pool.ts';

/**
 * The staleness guard: the market state knows how old it is, and on which fork it stands.
 * Decisions downstream are refused (with the reason, for /health and metrics) when an endpoint
 * holds a different block than ours at our state's height (a fork: our state or that endpoint
 * is on a branch the other does not share), when the state is more than `maxStaleBlocks` behind
 * the best head any endpoint reports, when the endpoints disagree on the head by more than
 * `maxEndpointSpread` blocks (one of them is lagging: we cannot tell which view is true), or
 * when no endpoint answers at all.
 *
 * The fork check compares hashes at our state's block, not at the lowest head the endpoints
 * report: that block is the one every decision is computed on, and its height is known before
 * the probe, so its hash is asked in the same HTTP batch as the head (one round trip per
 * endpoint per probe, off the per-block path). A fork above our block shows at our block as
 * soon as the stream applies it, at the next probe.
 */

/** Guard settings (`ORION_MAX_STALE_BLOCKS` feeds `maxStaleBlocks`). */
export interface StalenessOptions {
  maxStaleBlocks: number;
  /** Largest tolerated difference between endpoint heads; default `maxStaleBlocks`. */
  maxEndpointSpread?: number;
}

/** The block the market state is at. */
export interface StateBlock {
  number: bigint;
  hash: Hex;
}

/** Why decisions are refused. */
export type StaleReason = 'not-synced' | 'no-head' | 'fork' | 'behind' | 'endpoints-disagree';

/** Which endpoints hold another block than ours at our state's height, and which agree. */
export interface ForkReport {
  block: bigint;
  ours: Hex;
  /** Endpoints with another hash at `block`, with that hash. */
  disagreeing: { url: string; hash: Hex }[];
  /** Endpoints with our hash at `block`. */
  agreeing: string[];
}

/** The verdict, with the figures behind it. */
export type Freshness =
  | { fresh: true; stateBlock: bigint; head: bigint; ageBlocks: number }
  | {
      fresh: false;
      reason: StaleReason;
      message: string;
      stateBlock: bigint | null;
      head: bigint | null;
      ageBlocks: number | null;
      /** Present when `reason` is 'fork'. */
      fork?: ForkReport;
    };

/** The endpoints that reached our height, split by whether they hold our block there. */
function sidesAtOurBlock(state: StateBlock, probes: ReadonlyMap<string, EndpointProbe>): Pick<ForkReport, 'disagreeing' | 'agreeing'> {
  const disagreeing: ForkReport['disagreeing'] = [];
  const agreeing: string[] = [];
  for (const [url, probe] of probes) {
    // Not reached (or not asked at this height): a lagging endpoint, judged by the spread rule.
    if (probe.block === null || probe.block.number !== state.number) continue;
    if (probe.block.hash.toLowerCase() === state.hash.toLowerCase()) agreeing.push(url);
    else disagreeing.push({ url, hash: probe.block.hash });
  }
  return { disagreeing, agreeing };
}

/** Endpoints whose block at our height is not ours; null when every one that reached it agrees. */
export function findFork(state: StateBlock, probes: ReadonlyMap<string, EndpointProbe>): ForkReport | null {
  const { disagreeing, agreeing } = sidesAtOurBlock(state, probes);
  return disagreeing.length === 0 ? null : { block: state.number, ours: state.hash, disagreeing, agreeing };
}

/**
 * What the RPC pool should do with each endpoint the fork check could judge at our state's
 * block (`RpcPool.setQuarantined`): quarantine one holding another block there (the reason,
 * naming both hashes), release one holding ours (null). An endpoint that did not answer or has
 * not reached our height is absent, so it stays as it was: an endpoint found on another fork
 * stays quarantined until a probe finds it holding our block.
 */
export function forkQuarantines(state: StateBlock | null, probes: ReadonlyMap<string, EndpointProbe>): Map<string, string | null> {
  if (state === null) return new Map();
  const { disagreeing, agreeing } = sidesAtOurBlock(state, probes);
  const reason = (hash: Hex): string => `on another fork at block ${state.number}: it has ${hash}, our state ${state.hash}`;
  return new Map<string, string | null>([...agreeing.map((url) => [url, null] as const), ...disagreeing.map((d) => [d.url, reason(d.hash)] as const)]);
}

/** Judges the state at `state` against what the endpoints reported when probed at its height. */
export function assessFreshness(state: StateBlock | null, probes: ReadonlyMap<string, EndpointProbe>, options: StalenessOptions): Freshness {
  const reported = [...probes.entries()].flatMap(([url, p]) => (p.head === null ? [] : [[url, p.head] as [string, bigint]]));
  if (state === null) {
    return { fresh: false, reason: 'not-synced', message: 'the market state is not loaded yet', stateBlock: null, head: null, ageBlocks: null };
  }
  const stateBlock = state.number;
  if (reported.length === 0) {
    return { fresh: false, reason: 'no-head', message: `no RPC endpoint reported a head (${probes.size} configured)`, stateBlock, head: null, ageBlocks: null };
  }
  const values = reported.map(([, h]) => h);
  const head = values.reduce((a, b) => (b > a ? b : a));
  const low = values.reduce((a, b) => (b < a ? b : a));
  const ageBlocks = Number(head > stateBlock ? head - stateBlock : 0n);
  const fork = findFork(state, probes);
  if (fork !== null) {
    const theirs = fork.disagreeing.map((d) => `${d.url} has ${d.hash}`).join(', ');
    const agree = fork.agreeing.length > 0 ? ` (${fork.agreeing.join(', ')} agree${fork.agreeing.length === 1 ? 's' : ''} with us)` : '';
    return {
      fresh: false,
      reason: 'fork',
      message: `RPC endpoints are on another fork at block ${stateBlock}: our state has ${state.hash}, ${theirs}${agree}`,
      stateBlock,
      head,
      ageBlocks,
      fork,
    };
  }
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

  /** Records a new observation (probes asked at `state.number`) and returns the verdict. */
  observe(state: StateBlock | null, probes: ReadonlyMap<string, EndpointProbe>): Freshness {
    this.last = assessFreshness(state, probes, this.options);
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
