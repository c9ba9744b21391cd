import type { SimulationResult } from '../executor/executor.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { Freshness } from '../market/staleness.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { Limits } from './limits.ts';
import type { Plan } from './plan.ts';

/**
 * The shape every protection rule shares (one rule per file in `protections/`): a small pure
 * function of the plan, the market's facts, the recent figures and the limits in force, that
 * answers `null` (allow) or a lock saying which rule refused, why, over what scope and until when.
 * Locks block new plans only; what is already submitted is tracked whatever a rule says.
 */

/** What a lock covers: everything, the plans through one token, or one route. */
export type LockScope = { kind: 'global' } | { kind: 'token'; token: HexAddress } | { kind: 'route'; route: string };

/**
 * Until when a lock holds: up to and including a block; until someone re-arms the breaker
 * (`orion breaker rearm`, the API); or until someone releases the kill switch.
 */
export type LockUntil = { kind: 'block'; block: bigint } | { kind: 'rearm' } | { kind: 'release' };

/** A rule's refusal. */
export interface Lock {
  rule: string;
  reason: string;
  scope: LockScope;
  until: LockUntil;
}

/** The market as the rules see it, at the block being decided. */
export interface MarketFacts {
  block: bigint;
  freshness: Freshness;
  /** The gas price the ranking used: next base fee + tip, capped (wei per gas). */
  gasPrice: bigint;
  nextBaseFee: bigint | null;
  /** Our fee cap is below the next base fee: nothing of ours can be included. */
  pricedOut: boolean;
}

/** The kill switch as last set. */
export interface KillSwitchState {
  engaged: boolean;
  reason: string;
  actor: string;
  via: 'cli' | 'api' | 'file' | 'engine';
  at: Date;
}

/** A breaker that has tripped and is not re-armed (or cooled down) yet. */
export interface BreakerTrip {
  breaker: string;
  reason: string;
  trippedBlock: bigint;
  /** The last block it holds through; null: until re-armed by hand. */
  untilBlock: bigint | null;
  trippedAt: Date;
}

/**
 * The hot key's gas money, read from the chain once per block: its native balance and how many
 * executions it still pays for when each reserves the most it may (the largest gas limit a plan
 * gets × the fee cap, as a node checks before accepting a transaction).
 */
export interface GasMoney {
  account: string;
  /** Wei. */
  balance: bigint;
  /** Wei per gas each execution is counted at: ORION_MAX_FEE_PER_GAS, or the gas price when uncapped. */
  feePerGas: bigint;
  gasPerExecution: bigint;
  /** Whole executions the balance pays for at that price; null: gas costs nothing at that price. */
  executionsLeft: bigint | null;
  /** The block whose state the balance was read at. */
  block: bigint;
  /** Live mode: the floor stops planning. Sim mode: shown only (no transaction of ours pays gas). */
  enforced: boolean;
}

/** A route's run of failed outcomes. */
export interface RouteFailures {
  consecutive: number;
  lastFailureBlock: bigint;
}

/**
 * The recent figures the rules judge by, kept by `ProtectionFigures` from the outcomes the
 * executor reports (and read back from the ledger at start).
 */
export interface RecentFigures {
  killSwitch: KillSwitchState | null;
  /** Open breaker trips by breaker name. */
  breakers: ReadonlyMap<string, BreakerTrip>;
  /** Reverted outcomes in a row (any route). */
  consecutiveReverts: number;
  /** The rolling window of the last outcomes: how many, how many reverted. */
  window: { outcomes: number; reverts: number };
  failuresByRoute: ReadonlyMap<string, RouteFailures>;
  /** Per base token: P&L including gas since the UTC day began (or the daily-loss breaker was re-armed). */
  dailyPnl: ReadonlyMap<string, bigint>;
  /** The UTC day `dailyPnl` belongs to (YYYY-MM-DD). */
  day: string;
  /** The hot key's gas money as last read; null before the first read or without a hot key. */
  gasMoney: GasMoney | null;
}

/** Everything a rule is given. */
export interface RuleInput {
  opportunity: LentOpportunity;
  /** The route key of the opportunity (src/ledger/records.ts routeKey). */
  route: string;
  /** The plan made of it; null when the rule runs before planning (a stale market needs none). */
  plan: Plan | null;
  /** The simulation's result: set for rules of the `simulation` phase only. */
  simulation: SimulationResult | null;
  market: MarketFacts;
  figures: RecentFigures;
  limits: Limits;
}

/**
 * When a rule runs: `plan` rules on every new plan before it is simulated (cheap, no I/O);
 * `simulation` rules on a simulated plan before it would be sent (they need its result).
 * A rule of both phases (the kill switch, the breakers) is checked again just before sending.
 */
export type RulePhase = 'plan' | 'simulation';

/**
 * What bytes signed earlier are judged by when they would go out again (a replacement, a
 * re-broadcast after a restart or an unknown send, a bundle re-target): the plan's route, size
 * and loan, read back from the stored intent.
 */
export interface ResendFacts {
  /** Tokens along the route, lower-case: the base token first (as `Opportunity.tokens`). */
  tokens: readonly string[];
  amountIn: bigint;
  /** The flash source's kind ('none': own capital). */
  flashKind: string;
}

/** One protection rule. */
export interface ProtectionRule {
  readonly name: string;
  readonly phases: readonly RulePhase[];
  check(input: RuleInput): Lock | null;
}

/** A lock for this block only (the plan is refused; the next block is judged afresh). */
export function thisBlock(input: RuleInput): LockUntil {
  return { kind: 'block', block: input.market.block };
}

/** What the decider and the executor ask before planning and before sending (the protections service). */
export interface ProtectionGuard {
  /** Once per block, before its decisions. */
  onBlock(block: bigint): void;
  check(phase: RulePhase, market: MarketFacts, opportunity: LentOpportunity, route: string, plan: Plan | null, simulation: SimulationResult | null): Lock | null;
}
