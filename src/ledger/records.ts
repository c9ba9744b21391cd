import type { ExecutionMode, SimulationResult } from '../executor/executor.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';

/**
 * What the ledger records, as the engine hands it over: an opportunity sighted at a block, the
 * decision taken on it, and the simulation of a plan. The writer turns them into rows.
 */

/** An opportunity in a block's ranking. */
export interface OpportunitySighting {
  opportunity: LentOpportunity;
  block: bigint;
  /** The gas price its ranking used (wei per gas). */
  gasPrice: bigint;
  /** When the engine saw it. */
  at: Date;
}

/** A rejection: the rule that refused and why, in words a person reads. */
export interface Rejection {
  outcome: 'rejected';
  rule: string;
  reason: string;
}

/** A plan to execute. */
export interface Planned {
  outcome: 'planned';
  plan: Plan;
}

/** What the orchestrator decided for one opportunity. */
export type Decision = Planned | Rejection;

/** A decision with its opportunity's row and its block. */
export interface DecisionRecord {
  decision: Decision;
  block: bigint;
  at: Date;
}

/** A simulation result, or a plan the executor skipped to catch up (recorded, never silent). */
export type SimulationRecord =
  | { kind: 'result'; result: SimulationResult; at: Date }
  | { kind: 'skipped'; plan: Plan; reason: string; at: Date };

/** The mode session rows are stamped with. */
export interface ModeSession {
  id: bigint;
  mode: ExecutionMode;
  chainId: number;
  startedAt: Date;
  /** True when a restart continued an open session of the same mode. */
  resumed: boolean;
}

/** The route key of an opportunity: its pools in order and its flash source (one cycle as the contract runs it). */
export function routeKey(opportunity: LentOpportunity): string {
  return `${opportunity.pools.join('>')}|${opportunity.flashSource.kind}|${opportunity.flashLender ?? ''}`;
}

/** The state key: the route at exact amounts (unchanged pools give unchanged amounts). */
export function stateKey(opportunity: LentOpportunity): string {
  return `${routeKey(opportunity)}|${opportunity.amounts.join(',')}`;
}

/** The route key a state key was made of (its first three fields: pools, flash kind, lender). */
export function routeOfStateKey(key: string): string {
  return key.split('|', 3).join('|');
}
