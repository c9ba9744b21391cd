import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { Limits } from './limits.ts';
import type { Lock, MarketFacts, ProtectionRule, ResendFacts, RuleInput, RulePhase } from './protection.ts';
import { dailyLoss } from './protections/daily-loss.ts';
import { gasMoney } from './protections/gas-money.ts';
import { killSwitch } from './protections/kill-switch.ts';
import { maxFlashLoan } from './protections/max-flash-loan.ts';
import { maxGasPrice } from './protections/max-gas-price.ts';
import { maxInput } from './protections/max-input.ts';
import { minNetProfit } from './protections/min-net-profit.ts';
import { revertBreaker } from './protections/revert-breaker.ts';
import { routeSuppression } from './protections/route-suppression.ts';
import { staleMarket } from './protections/stale-market.ts';
import { tokenLists } from './protections/token-lists.ts';

/**
 * Every protection rule, in the order they are asked: what stops everything first (the kill
 * switch, the breakers, a stale market, gas and the money to pay it), then what refuses one route or token, then the
 * plan's own figures. The first lock is the answer (one rule and one reason per refusal).
 */
export const RULES: readonly ProtectionRule[] = [
  killSwitch, dailyLoss, revertBreaker, staleMarket, maxGasPrice, gasMoney, routeSuppression, tokenLists, maxInput, maxFlashLoan, minNetProfit,
];

const byPhase = (phase: RulePhase) => RULES.filter((rule) => rule.phases.includes(phase));
const PHASES: Record<RulePhase, readonly ProtectionRule[]> = { plan: byPhase('plan'), simulation: byPhase('simulation') };

/** The first lock of the rules of `phase`, or null: allowed. */
export function firstLock(phase: RulePhase, input: RuleInput): Lock | null {
  for (const rule of PHASES[phase]) {
    const lock = rule.check(input);
    if (lock !== null) return lock;
  }
  return null;
}

/**
 * The rules that must still hold when bytes signed earlier go out again, blocks or hours after
 * their plan (a replacement, a re-broadcast, a bundle re-target): those about the plan itself,
 * which an operator may have tightened since — the route's tokens (tokens.allow / deny), the
 * input (max_input), the loan (max_flash_loan). Not here: the kill switch (the live start-up
 * asks it), the gas price (a replacement's fees are held under max_gas_price where they are
 * made), a stale market and the minimum profit (the plan's deadline block and the contract's
 * on-chain minimum profit judge old bytes against the chain as it is then).
 */
const RESEND_RULES: readonly ProtectionRule[] = [tokenLists, maxInput, maxFlashLoan];

/** The first lock of the re-send rules for a stored plan's `facts` under `limits`, at `block`, or null. */
export function resendLock(facts: ResendFacts, limits: Limits, block: bigint): Lock | null {
  // These rules read only the route's tokens, its input and the flash source's kind of the
  // opportunity, and the block of the market (how long a lock lasts).
  const opportunity = { tokens: facts.tokens, amountIn: facts.amountIn, flashSource: { kind: facts.flashKind } } as unknown as LentOpportunity;
  const market = { block } as MarketFacts;
  for (const rule of RESEND_RULES) {
    const lock = rule.check({ opportunity, route: facts.tokens.join('>'), plan: null, simulation: null, market, figures: undefined as never, limits });
    if (lock !== null) return lock;
  }
  return null;
}
