import type { Plan } from '../../orchestrator/plan.ts';

/**
 * The identity of an opportunity across restarts: its route (pools in order, flash source and
 * lender) at its exact amounts — the ledger's state key (src/ledger/records.ts `stateKey`),
 * rebuilt from the plan. After a restart the decider plans the same market state again; the
 * intents table is unique on this key, so it never gets a second nonce.
 */
export function opportunityKeyOf(plan: Plan): string {
  const amounts = [plan.hops[0]?.amountIn ?? plan.amountIn, ...plan.hops.map((hop) => hop.amountOut)];
  return `${plan.hops.map((hop) => hop.pool).join('>')}|${plan.flash.kind}|${plan.flash.lender ?? ''}|${amounts.join(',')}`;
}
