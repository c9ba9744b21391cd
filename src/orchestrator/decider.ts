import type { Address } from 'viem';
import type { Decision } from '../ledger/records.ts';
import { routeKey, stateKey } from '../ledger/records.ts';
import type { DecidedEvent, RankedEvent, Sighting } from '../engine/events.ts';
import { InputError } from '../errors.ts';
import { buildPlan, type Plan, type PlanSettings } from './plan.ts';

/**
 * Stage ④, the strategy: turns a block's ranking into decisions. An opportunity is decided once
 * per market state — the same cycle at unchanged amounts in a later block is the same
 * opportunity, already decided — and each new one becomes a plan, or a rejection naming the
 * rule and the reason. No I/O: everything it judges by comes in the `ranked` event.
 *
 * Rules here (the protections issue adds the risk rules as data): the market must be fresh (the
 * staleness guard), our fee cap must not price us out of the next block, an executor contract
 * must exist to simulate against, and the plan must still leave a profit after its margin.
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
}

/** The decider. */
export interface Decider {
  decide(event: RankedEvent): DecidedEvent;
}

const reject = (rule: string, reason: string): Decision => ({ outcome: 'rejected', rule, reason });

/** Creates the decider. */
export function createDecider(options: DeciderOptions): Decider {
  if (options.account === null && options.noAccountReason === undefined) throw new InputError('a decider without an executor account needs noAccountReason');
  /** Per route, the state it was last decided at. */
  const decidedState = new Map<string, string>();

  const decideOne = (event: RankedEvent, sighting: Omit<Sighting, 'decision'>): Decision => {
    const { opportunity } = sighting;
    if (!event.freshness.fresh) return reject('stale-market', event.freshness.message);
    if (event.fee.pricedOut) {
      return reject('gas-price-cap', `the next block's base fee ${event.fee.nextBaseFee} wei is above the fee cap (ORION_MAX_FEE_PER_GAS): nothing of ours can be included`);
    }
    if (options.account === null) return reject('no-executor', options.noAccountReason!);
    let plan: Plan;
    try {
      plan = buildPlan(opportunity, { block: { number: event.header.number, hash: event.header.hash }, nextBaseFee: event.fee.nextBaseFee, gasPrice: event.fee.gasPrice, ...options.account }, options.plan);
    } catch (error) {
      return reject('invalid-plan', (error as Error).message);
    }
    if (plan.netProfit <= 0n || plan.minProfit <= 0n) {
      return reject('min-profit', `net profit ${plan.netProfit} after gas leaves no minimum profit to require (floor ${plan.minProfit})`);
    }
    return { outcome: 'planned', plan };
  };

  return {
    decide(event) {
      const sightings: Sighting[] = [];
      const plans: Plan[] = [];
      for (const opportunity of event.opportunities) {
        const route = routeKey(opportunity);
        const state = stateKey(opportunity);
        const isNew = decidedState.get(route) !== state;
        if (!isNew) {
          sightings.push({ opportunity, isNew, decision: null });
          continue;
        }
        decidedState.set(route, state);
        const decision = decideOne(event, { opportunity, isNew });
        if (decision.outcome === 'planned') plans.push(decision.plan);
        sightings.push({ opportunity, isNew, decision });
      }
      event.clock.decidedAt = performance.now();
      return { type: 'decided', header: event.header, fee: event.fee, sightings, plans, clock: event.clock };
    },
  };
}
