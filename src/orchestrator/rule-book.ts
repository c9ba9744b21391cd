import type { Lock, ProtectionRule, RuleInput, RulePhase } from './protection.ts';
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
