import type { Address } from 'viem';
import type { Decision } from '../ledger/records.ts';
import { routeKey, stateKey } from '../ledger/records.ts';
import type { DecidedEvent, RankedEvent, Sighting } from '../engine/events.ts';
import { InputError } from '../errors.ts';
import { buildPlan, type Plan, type PlanSettings } from './plan.ts';
import type { MarketFacts, ProtectionGuard } from './protection.ts';

/**
 * Stage ④, the strategy: turns a block's ranking into decisions. An opportunity is planned once
 * per market state — the same cycle at unchanged amounts in a later block is the same
 * opportunity, already planned — and each new one becomes a plan, or a rejection naming the
 * rule and the reason. A rejection is asked again at every block the state is seen: what refused
 * it (a gas spike over max_gas_price, a stale market, the kill switch, a breaker, the gas-money
 * floor) can lift while the pools stay as they are, and a new verdict is a new decision (the
 * same rejection again is not recorded again). A plan that was never run (skipped for a newer
 * block, or its simulation failed on the RPC: `retry`) is planned again at the next block it is
 * seen. No I/O: everything it judges by comes in the `ranked` event.
 *
 * The risk rules are the protections' (src/orchestrator/protections/, one file per rule, asked
 * through `guard` with the limits in force); the decider itself refuses only what cannot be
 * planned: no executor contract to run against (`no-executor`), or a plan the planner refuses
 * (`invalid-plan`). The kill switch and the breakers are asked first, before any planning.
 */

/** Where plans are executed from. */
export interface ExecutionAccount {
  /** FlashArbExecutor on the followed chain. */
  executor: Address;
  /** The hot key's address (the sim executor needs only the address). */
  from: Address;
}

/** Settings of the decider. */
export interface DeciderOptions {
  plan: PlanSettings;
  /** The executor and hot key; null: none on this chain, every opportunity is rejected saying so. */
  account: ExecutionAccount | null;
  /** Why there is no account (shown in each such rejection). */
  noAccountReason?: string;
  /** The protection rules with the limits and figures in force. */
  guard: ProtectionGuard;
}

/** The decider. */
export interface Decider {
  /**
   * Decides the event's opportunities. A block may be decided in parts with disjoint
   * opportunities (the engine's best first, then the rest): the guard hears of the block once,
   * and the clock keeps the first part's `decidedAt`.
   */
  decide(event: RankedEvent): DecidedEvent;
  /**
   * `plan` (one of this decider's) was never run: skipped for a newer block, or its simulation
   * failed on the RPC. Its opportunity is planned again at the next block it is still seen at.
   */
  retry(plan: Plan): void;
}

const reject = (rule: string, reason: string): Decision => ({ outcome: 'rejected', rule, reason });

/** Creates the decider. */
export function createDecider(options: DeciderOptions): Decider {
  if (options.account === null && options.noAccountReason === undefined) throw new InputError('a decider without an executor account needs noAccountReason');
  /**
   * Per route, the state it was last decided at, and what to ask again while the state is seen:
   * the rule of a rejection (decided again each block; the same rule again records nothing), a
   * plan to make again (`retry`), or nothing (a plan made: decided for as long as the state lasts).
   */
  const decided = new Map<string, { state: string; again: { rule: string } | 'replan' | null }>();
  const madeFor = new WeakMap<Plan, { route: string; state: string }>();

  const decideOne = (event: RankedEvent, market: MarketFacts, opportunity: Sighting['opportunity'], route: string): Decision => {
    let plan: Plan | null = null;
    let planError: string | null = null;
    if (options.account !== null) {
      try {
        plan = buildPlan(opportunity, { block: { number: event.header.number, hash: event.header.hash }, nextBaseFee: event.fee.nextBaseFee, gasPrice: event.fee.gasPrice, ...options.account }, options.plan);
      } catch (error) {
        planError = (error as Error).message;
      }
    }
    const lock = options.guard.check('plan', market, opportunity, route, plan, null);
    if (lock !== null) return reject(lock.rule, lock.reason);
    if (options.account === null) return reject('no-executor', options.noAccountReason!);
    if (plan === null) return reject('invalid-plan', planError!);
    return { outcome: 'planned', plan };
  };

  /**
   * The block the guard was last told of, by its event's clock: a block decided in parts (the
   * engine's best first, then the rest) is told once; a reorg's event (an ancestor's header
   * again) is a new block to tell.
   */
  let lastClock: object | null = null;

  return {
    decide(event) {
      if (event.clock !== lastClock) {
        lastClock = event.clock;
        options.guard.onBlock(event.header.number);
      }
      const market = marketFacts(event);
      const sightings: Sighting[] = [];
      const plans: Plan[] = [];
      for (const opportunity of event.opportunities) {
        const route = routeKey(opportunity);
        const state = stateKey(opportunity);
        const known = decided.get(route);
        const isNew = known?.state !== state;
        if (!isNew && known!.again === null) {
          sightings.push({ opportunity, isNew, decision: null });
          continue;
        }
        const decision = decideOne(event, market, opportunity, route);
        const sameRejection = !isNew && typeof known!.again === 'object' && decision.outcome === 'rejected' && decision.rule === known!.again!.rule;
        decided.set(route, { state, again: decision.outcome === 'rejected' ? { rule: decision.rule } : null });
        if (sameRejection) {
          sightings.push({ opportunity, isNew, decision: null });
          continue;
        }
        if (decision.outcome === 'planned') {
          plans.push(decision.plan);
          madeFor.set(decision.plan, { route, state });
        }
        sightings.push({ opportunity, isNew, decision });
      }
      // A block decided in parts: its clock keeps when its first part (the best plan) was decided.
      event.clock.decidedAt ??= performance.now();
      return { type: 'decided', header: event.header, fee: event.fee, sightings, plans, clock: event.clock };
    },
    retry(plan) {
      const made = madeFor.get(plan);
      const known = made === undefined ? undefined : decided.get(made.route);
      // Only while its state is the one the route was last decided at (a newer state is decided anyway).
      if (known !== undefined && known.state === made!.state && known.again === null) known.again = 'replan';
    },
  };
}

/** The market's facts the rules judge by. */
export function marketFacts(event: Pick<RankedEvent, 'header' | 'fee' | 'freshness'>): MarketFacts {
  return { block: event.header.number, freshness: event.freshness, gasPrice: event.fee.gasPrice, nextBaseFee: event.fee.nextBaseFee, pricedOut: event.fee.pricedOut };
}
