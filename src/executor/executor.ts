import type { Hex } from 'viem';
import type { BlockHeader } from '../chain/types.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { RevertReason } from './revert-reason.ts';

/**
 * The executor stage's contract: plans in, results out. The composition root picks the
 * implementation by mode (sim.ts now; live/ when live execution lands); nothing upstream knows
 * which one runs.
 */

/** The two modes of the platform. */
export type ExecutionMode = 'sim' | 'live';

/** What one simulated plan did. */
export interface SimulationResult {
  plan: Plan;
  /** ok: the contract returned; reverted: it reverted (reason decoded); failed: no answer (RPC error). */
  status: 'ok' | 'reverted' | 'failed';
  /** The block whose state the call ran on (the newest known when it ran, maybe later than the plan's). */
  stateBlock: { number: bigint; hash: Hex };
  /** The block number it ran as (stateBlock + 1, with that block's timestamp and base fee). */
  asBlock: bigint;
  /** The profit the contract reported (its base-token balance growth), when ok. */
  profit: bigint | null;
  /** Gas the call used (ok and reverted). */
  gasUsed: bigint | null;
  revert: RevertReason | null;
  /** Why there is no result (failed only). */
  error: string | null;
  /** A protection rule asked on the result kept the plan from being sent (sim: would have kept it). */
  blocked?: { rule: string; reason: string };
}

/**
 * Asked of every simulated plan before it is sent (the protections' `simulation` rules: the
 * kill switch and the breakers again, the simulated net profit): a lock keeps it from being
 * sent. The sim executor records the answer on the result; the live executor must not send a
 * plan the gate locks.
 */
export type SendGate = (result: SimulationResult) => { rule: string; reason: string } | null;

/** Runs plans against the chain: simulates them (sim) or sends them (live). */
export interface Executor {
  readonly mode: ExecutionMode;
  /**
   * Runs `plans` on the state after `head`, as the next block would: the newest block the
   * market has applied, which may be later than the block the plans were made at. `headSeenAt`
   * (performance.now() when the head was heard of) lets the live executor time head → broadcast.
   */
  run(plans: readonly Plan[], head: BlockHeader, gate?: SendGate, headSeenAt?: number): Promise<SimulationResult[]>;
}
