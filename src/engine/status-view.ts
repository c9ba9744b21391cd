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

/** `raw` base units of `token` as a raw decimal string and in token units with its symbol (null stays null). */
export function amountView(tokens: TokenDirectory, raw: bigint | null, token: string): AmountView | null {
  return raw === null ? null : { raw: raw.toString(), display: tokens.amount(token, raw) };
}

/** An opportunity for people and machines: its JSON (decimal strings), the route by symbol, key amounts in token units. */
export function opportunityView(o: LentOpportunity, tokens: TokenDirectory): Record<string, unknown> {
  return {
    route: formatRoute(o.tokens, tokens), ...opportunityToJson(o),
    view: { amountIn: amountView(tokens, o.amountIn, o.tokens[0]!), netProfit: amountView(tokens, o.netProfit, o.tokens[0]!), gasCost: amountView(tokens, o.gasCost, o.tokens[0]!) },
  };
}

/** A simulation result: status, route by symbol, the amounts raw and in token units, the revert decoded. */
export function simulationView(r: SimulationResult, tokens: TokenDirectory): Record<string, unknown> {
  const amount = (raw: bigint | null): AmountView | null => amountView(tokens, raw, r.plan.baseToken);
  return {
    status: r.status,
    route: formatRoute([...r.plan.hops.map((h) => h.tokenIn), r.plan.baseToken], tokens),
    pools: r.plan.hops.map((h) => h.pool),
    planBlock: r.plan.block.number.toString(),
    stateBlock: r.stateBlock.number.toString(),
    flash: r.plan.flash.kind,
    amountIn: amount(r.plan.amountIn),
    predictedProfit: amount(r.plan.expectedProfit),
    simulatedProfit: amount(r.profit),
    minProfit: amount(r.plan.minProfit),
    gasUsed: r.gasUsed?.toString() ?? null,
    gasLimit: r.plan.gasLimit.toString(),
    revert: r.revert === null ? null : { name: r.revert.name, args: r.revert.args.map(String), text: describeRevert(r.revert) },
    error: r.error,
  };
}

/** The engine's view as /health shows it. */
export function engineView(engine: Engine, tokens: TokenDirectory): Record<string, unknown> {
  const amount = (raw: bigint | null, token: string): AmountView | null => amountView(tokens, raw, token);
  return {
    ...engine.status(),
    funnel: funnelView(engine.funnel(), amount),
    top: engine.top().map((o) => opportunityView(o, tokens)),
    lastSimulations: engine.recentSimulations().slice(0, 10).map((r) => simulationView(r, tokens)),
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
