import type { BlockTiming } from '../chain/monitor.ts';
import type { NextBlockFee } from '../chain/next-base-fee.ts';
import type { BlockHeader } from '../chain/types.ts';
import type { SimulationResult } from '../executor/executor.ts';
import type { Decision } from '../ledger/records.ts';
import type { Freshness } from '../market/staleness.ts';
import type { Snapshot } from '../market/snapshot.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { V3State } from '../scanner/v3-pools.ts';

/**
 * The events the engine's stages pass forward (SPEC §1, DESIGN "The engine as stages"): each
 * carries what the next stage needs, so no stage reaches back into an earlier one.
 *
 *   market ──market──> rank ──ranked──> decide ──decided──> execute ──simulated──> record
 */

/** When each stage of one block finished (performance.now(), ms); filled as the block moves on. */
export interface BlockClock {
  /** How the head was learned (null: a reorg or the start, not a latency sample). */
  timing: BlockTiming | null;
  appliedAt: number;
  rankedAt?: number;
  decidedAt?: number;
  simulatedAt?: number;
  recordedAt?: number;
}

/** A pool's new state, as the scanner takes it. */
export type PoolChange =
  | { protocol: 'uniswap-v2'; address: string; reserve0: bigint; reserve1: bigint }
  /** A V3 pool's price, tick and liquidity; its tick map only when a Mint or Burn changed it (market-stage.ts). */
  | { protocol: 'uniswap-v3'; address: string; state: V3State };

/** ① → ②: a block (or a reorg's common ancestor, or the synced start) applied to the market. */
export interface MarketEvent {
  type: 'market';
  cause: 'block' | 'reorg' | 'start';
  /** The block the state is now at. */
  header: BlockHeader;
  /** The pools whose state changed, with their new state (none at the start). */
  changes: PoolChange[];
  /** The whole market, on the start event only (what the scanner is built from). */
  market?: Snapshot;
  /** The fee per gas for the next block. */
  fee: NextBlockFee;
  /** The staleness guard's verdict when the block was applied. */
  freshness: Freshness;
  clock: BlockClock;
}

/** ② → ③: the best opportunities at a block. */
export interface RankedEvent {
  type: 'ranked';
  header: BlockHeader;
  fee: NextBlockFee;
  freshness: Freshness;
  /** Best first, each net of gas and flash fee (all positive). */
  opportunities: LentOpportunity[];
  clock: BlockClock;
}

/** One ranked opportunity and what was decided for it (null: the same state was decided earlier). */
export interface Sighting {
  opportunity: LentOpportunity;
  /** First seen at this state (a new ledger row); false: seen at an earlier block unchanged. */
  isNew: boolean;
  decision: Decision | null;
}

/** ③ → ④: decisions at a block. */
export interface DecidedEvent {
  type: 'decided';
  header: BlockHeader;
  fee: NextBlockFee;
  sightings: Sighting[];
  /** The plans among the decisions, best first. */
  plans: Plan[];
  clock: BlockClock;
}

/** ④ → ⑤: what the executor did with a block's plans. */
export interface SimulatedEvent {
  type: 'simulated';
  /** The block the plans were made at. */
  header: BlockHeader;
  results: SimulationResult[];
  /** Plans not run because a newer block's decisions arrived first (recorded as skipped). */
  skipped: { plan: Plan; reason: string }[];
  clock: BlockClock;
}

/** Every event between stages. */
export type EngineEvent = MarketEvent | RankedEvent | DecidedEvent | SimulatedEvent;
