import { readFunnel } from '../ledger/funnel.ts';
import { funnelConversion, type FunnelConversion } from '../ledger/risk/execution-metrics.ts';
import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, type Amount, type TokenRef } from './amounts.ts';
import { resolveSession, type SessionView } from './sessions.ts';

/**
 * A mode session's funnel as the ledger holds it (src/ledger/funnel.ts: the same counts /health
 * shows): detected → planned (rejected by rule beside it) → simulated ok / reverted → submitted
 * → included → realized, conversion rates between the stages, reverts by decoded reason, and
 * the profit predicted, simulated and realized per base token.
 */

/** The funnel view. */
export interface FunnelView {
  session: SessionView | null;
  detected: number;
  planned: number;
  rejected: number;
  rejectedByRule: { rule: string; count: number }[];
  simulated: { ok: number; reverted: number; failed: number; skipped: number };
  revertsByReason: { reason: string; count: number }[];
  submitted: number;
  included: number;
  realized: number;
  conversion: FunnelConversion[];
  profitByToken: { token: TokenRef; predicted: Amount; simulated: Amount; realized: Amount }[];
}

const byCount = <K extends string>(key: K, counts: Record<string, number>): Array<Record<K, string> & { count: number }> =>
  Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name, count]) => ({ [key]: name, count }) as Record<K, string> & { count: number });

/** The funnel of the session asked for (see resolveSession); zeros when the ledger has no session. */
export async function funnelOf(db: Queryable, ask: { session?: bigint; mode?: 'sim' | 'live' }): Promise<FunnelView> {
  const session = await resolveSession(db, ask);
  const funnel = session === null ? null : await readFunnel(db, BigInt(session.id));
  const chainId = session?.chainId ?? 0;
  const tokensHeld = Object.keys(funnel?.profitByToken ?? {});
  const tokens = await loadDeskTokens(db, new Map([[chainId, new Set(tokensHeld.map((t) => t.toLowerCase()))]]));
  const f = funnel ?? { detected: 0, planned: 0, rejected: 0, rejectedByRule: {}, simulated: { ok: 0, reverted: 0, failed: 0, skipped: 0 }, revertsByReason: {}, submitted: 0, included: 0, realized: 0, profitByToken: {} };
  return {
    session,
    detected: f.detected, planned: f.planned, rejected: f.rejected,
    rejectedByRule: byCount('rule', f.rejectedByRule),
    simulated: f.simulated,
    revertsByReason: byCount('reason', f.revertsByReason),
    submitted: f.submitted, included: f.included, realized: f.realized,
    conversion: funnelConversion([
      { stage: 'detected', count: f.detected },
      { stage: 'planned', count: f.planned },
      { stage: 'simulated-ok', count: f.simulated.ok },
      { stage: 'submitted', count: f.submitted },
      { stage: 'included', count: f.included },
      { stage: 'realized', count: f.realized },
    ]),
    profitByToken: Object.entries(f.profitByToken).map(([token, p]) => ({
      token: tokens.token(chainId, token),
      predicted: tokens.amount(chainId, token, p.predicted), simulated: tokens.amount(chainId, token, p.simulated), realized: tokens.amount(chainId, token, p.realized),
    })),
  };
}
