import { amountView, opportunityView, simulationView } from '../engine/status-view.ts';
import type { DecidedEvent, SimulatedEvent } from '../engine/events.ts';
import type { ExecutionMode } from '../executor/executor.ts';
import { formatRoute } from '../format/route.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import { routeKey } from '../ledger/records.ts';

/**
 * What the engine announces on the event bus (and so to `/ws` clients), one message per block and
 * channel, only when there is news: amounts as raw decimal strings beside token units with the
 * symbol (src/engine/status-view.ts, the same views `/health` shows).
 *
 *   opportunities  { mode, block, opportunities: [opportunity view + routeKey] }   (new states only)
 *   decisions      { mode, block, decisions: [{ routeKey, route, pools, outcome, rule, reason, plan }] }
 *   simulations    { mode, block, results: [simulation view], skipped: [{ route, pools, reason }] }
 */

/** A message for one channel. */
export interface EngineMessage {
  channel: 'opportunities' | 'decisions' | 'simulations';
  data: Record<string, unknown>;
}

/** The messages of a block's decisions: new opportunities, and every decision taken. */
export function decidedMessages(mode: ExecutionMode, event: DecidedEvent, tokens: TokenDirectory): EngineMessage[] {
  const block = event.header.number.toString();
  const messages: EngineMessage[] = [];
  const fresh = event.sightings.filter((s) => s.isNew);
  if (fresh.length > 0) {
    messages.push({ channel: 'opportunities', data: { mode, block, opportunities: fresh.map((s) => ({ routeKey: routeKey(s.opportunity), ...opportunityView(s.opportunity, tokens) })) } });
  }
  const decisions = event.sightings.flatMap((s) => {
    const d = s.decision;
    if (d === null) return [];
    const o = s.opportunity;
    const base = o.tokens[0]!;
    return [{
      routeKey: routeKey(o),
      route: formatRoute(o.tokens, tokens),
      pools: o.pools,
      outcome: d.outcome,
      rule: d.outcome === 'rejected' ? d.rule : null,
      reason: d.outcome === 'rejected' ? d.reason : null,
      netProfit: amountView(tokens, o.netProfit, base),
      plan: d.outcome === 'planned'
        ? { minProfit: amountView(tokens, d.plan.minProfit, base), expectedProfit: amountView(tokens, d.plan.expectedProfit, base), gasLimit: d.plan.gasLimit.toString(), deadlineBlock: d.plan.deadlineBlock.toString(), maxFeePerGas: d.plan.maxFeePerGas.toString() }
        : null,
    }];
  });
  if (decisions.length > 0) messages.push({ channel: 'decisions', data: { mode, block, decisions } });
  return messages;
}

/** The message of a block's simulations (results and plans skipped to catch up). */
export function simulatedMessages(mode: ExecutionMode, event: SimulatedEvent, tokens: TokenDirectory): EngineMessage[] {
  if (event.results.length === 0 && event.skipped.length === 0) return [];
  return [{
    channel: 'simulations',
    data: {
      mode,
      block: event.header.number.toString(),
      results: event.results.map((r) => simulationView(r, tokens)),
      skipped: event.skipped.map(({ plan, reason }) => ({ route: formatRoute([...plan.hops.map((h) => h.tokenIn), plan.baseToken], tokens), pools: plan.hops.map((h) => h.pool), reason })),
    },
  }];
}
