import type { SimulationResult } from '../executor/executor.ts';
import { describeRevert } from '../executor/revert-reason.ts';
import type { Funnel } from '../ledger/funnel.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import { opportunityToJson } from '../format/opportunity-format.ts';
import { formatRoute } from '../format/route.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { Engine } from './engine.ts';

/**
 * What `/health` shows of the engine, for people and machines at once: every amount as its raw
 * decimal string beside the same amount in token units with the token's symbol, through the one
 * formatter the CLI uses too (src/format: a symbol two tokens share gets a short address).
 */

/** A raw amount and how a person reads it. */
export interface AmountView {
  raw: string;
  display: string;
}

/** The engine's view as /health shows it. */
export function engineView(engine: Engine, tokens: TokenDirectory): Record<string, unknown> {
  const amount = (raw: bigint | null, token: string): AmountView | null => (raw === null ? null : { raw: raw.toString(), display: tokens.amount(token, raw) });
  const route = (tokensOnRoute: readonly string[]): string => formatRoute(tokensOnRoute, tokens);
  const opportunity = (o: LentOpportunity) => ({
    route: route(o.tokens), ...opportunityToJson(o),
    view: { amountIn: amount(o.amountIn, o.tokens[0]!), netProfit: amount(o.netProfit, o.tokens[0]!), gasCost: amount(o.gasCost, o.tokens[0]!) },
  });
  const simulation = (r: SimulationResult) => ({
    status: r.status,
    route: route([...r.plan.hops.map((h) => h.tokenIn), r.plan.baseToken]),
    pools: r.plan.hops.map((h) => h.pool),
    planBlock: r.plan.block.number.toString(),
    stateBlock: r.stateBlock.number.toString(),
    flash: r.plan.flash.kind,
    amountIn: amount(r.plan.amountIn, r.plan.baseToken),
    predictedProfit: amount(r.plan.expectedProfit, r.plan.baseToken),
    simulatedProfit: amount(r.profit, r.plan.baseToken),
    minProfit: amount(r.plan.minProfit, r.plan.baseToken),
    gasUsed: r.gasUsed?.toString() ?? null,
    gasLimit: r.plan.gasLimit.toString(),
    revert: r.revert === null ? null : { name: r.revert.name, args: r.revert.args.map(String), text: describeRevert(r.revert) },
    error: r.error,
  });
  return {
    ...engine.status(),
    funnel: funnelView(engine.funnel(), amount),
    top: engine.top().map(opportunity),
    lastSimulations: engine.recentSimulations().slice(0, 10).map(simulation),
  };
}

function funnelView(funnel: Funnel, amount: (raw: bigint, token: string) => AmountView | null): Record<string, unknown> {
  return {
    ...funnel,
    profitByToken: Object.fromEntries(Object.entries(funnel.profitByToken).map(([token, p]) => [token, {
      predicted: amount(p.predicted, token), simulated: amount(p.simulated, token), realized: amount(p.realized, token),
    }])),
  };
}
