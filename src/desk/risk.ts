import { readFunnel } from '../ledger/funnel.ts';
import type { ExecutionOutcome, FunnelStage } from '../ledger/risk/execution-metrics.ts';
import type { LedgerMode, ModePnl, RiskSnapshot } from '../ledger/risk/maintenance.ts';
import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, type Amount, type TokenRef } from './amounts.ts';
import { tradesByToken } from './pnl.ts';
import { resolveSession } from './sessions.ts';

/**
 * The ledger as the risk report's input, and the stored snapshots as the desk reads them. Per
 * mode, the P&L series is that of the mode's most traded base token (figures across tokens do
 * not add up); the execution figures (slippage, gas, reverts) are the mode's simulations in sim
 * and its executions in live; the funnel is the mode's latest session's.
 */

/** One mode's input and the token its P&L is in. */
export interface ModeRiskSource extends ModePnl {
  chainId: number | null;
  token: string | null;
}

/** Reads what the risk snapshot of `mode` is computed from. */
export async function modeRiskSource(db: Queryable, mode: LedgerMode): Promise<ModeRiskSource> {
  const byToken = await tradesByToken(db, { mode });
  let main: [string, { chainId: number; trades: ModePnl['trades'] }] | undefined;
  for (const entry of byToken) if (main === undefined || entry[1].trades.length > main[1].trades.length) main = entry;
  const executions = await executionOutcomes(db, mode, main?.[0]);
  const session = await resolveSession(db, { mode });
  const funnel: FunnelStage[] = [];
  if (session !== null) {
    const f = await readFunnel(db, BigInt(session.id));
    funnel.push({ stage: 'detected', count: f.detected }, { stage: 'planned', count: f.planned }, { stage: 'simulated-ok', count: f.simulated.ok },
      { stage: 'submitted', count: f.submitted }, { stage: 'included', count: f.included }, { stage: 'realized', count: f.realized });
  }
  return { chainId: main?.[1].chainId ?? null, token: main?.[0] ?? null, trades: main?.[1].trades ?? [], executions, funnel };
}

/** Predicted vs realized (simulated in sim), gas paid in wei, reverted: of the mode's base token `token`. */
async function executionOutcomes(db: Queryable, mode: LedgerMode, token: string | undefined): Promise<ExecutionOutcome[]> {
  if (token === undefined) return [];
  const { rows } = mode === 'sim'
    ? await db.query(
      `select s.predicted_profit as predicted, s.simulated_profit as realized, coalesce(s.gas_used, 0) * o.gas_price as gas, s.status = 'reverted' as reverted
       from simulations s join opportunities o on o.id = s.opportunity_id where s.mode = 'sim' and s.status in ('ok', 'reverted') and lower(o.base_token) = $1`,
      [token], { bigint: ['predicted', 'realized', 'gas'] })
    : await db.query(
      `select e.predicted_profit as predicted, e.realized_profit as realized, coalesce(e.gas_cost, 0) as gas, e.status = 'reverted' as reverted
       from executions e join opportunities o on o.id = e.opportunity_id where e.mode = 'live' and e.status in ('included', 'reverted') and lower(o.base_token) = $1`,
      [token], { bigint: ['predicted', 'realized', 'gas'] });
  return rows.map((r) => ({ predictedProfit: r['predicted'] as bigint, realizedProfit: r['realized'] as bigint | null, gasCost: r['gas'] as bigint, reverted: r['reverted'] === true }));
}

/** Points of the equity curve a stored snapshot keeps at most (a chart's worth; the last point always). */
export const EQUITY_POINTS = 500;

/** JSON of a snapshot's report: bigints as decimal strings, the equity curve thinned to {@link EQUITY_POINTS}. */
export function snapshotJson(snapshot: RiskSnapshot): Record<string, unknown> {
  const curve = snapshot.risk.equityCurve;
  const step = Math.max(1, Math.ceil(curve.length / EQUITY_POINTS));
  const thinned = curve.filter((_, i) => i % step === step - 1 || i === curve.length - 1);
  const plain = { risk: { ...snapshot.risk, equityCurve: thinned }, execution: snapshot.execution, funnel: snapshot.funnel };
  return JSON.parse(JSON.stringify(plain, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

/** Stores a snapshot of the P&L of `token` on `chainId`. */
export async function saveRiskSnapshot(db: Queryable, snapshot: RiskSnapshot, source: { chainId: number | null; token: string | null }): Promise<void> {
  await db.query('insert into risk_snapshots (mode, taken_at, chain_id, base_token, trades, report) values ($1, $2, $3, $4, $5, $6::jsonb)', [
    snapshot.mode, snapshot.takenAt, source.chainId, source.token, snapshot.risk.trades, JSON.stringify(snapshotJson(snapshot)),
  ]);
}

/** A stored snapshot as the desk shows it: the headline figures with amounts in token units, and the whole report. */
export interface RiskView {
  mode: string;
  takenAt: string;
  chainId: number | null;
  token: TokenRef | null;
  trades: number;
  totalPnl: Amount | null;
  maxDrawdown: Amount | null;
  var95: Amount | null;
  var99: Amount | null;
  winRate: number | null;
  sharpe: number | null;
  sortino: number | null;
  profitFactor: number | null;
  revertRate: number | null;
  report: Record<string, unknown>;
}

/** The latest snapshot of each mode (or of `mode`), newest first. */
export async function latestRiskSnapshots(db: Queryable, mode?: LedgerMode): Promise<RiskView[]> {
  const { rows } = await db.query(
    `select distinct on (mode) mode, taken_at, chain_id, base_token, trades, report from risk_snapshots ${mode === undefined ? '' : 'where mode = $1'} order by mode, id desc`,
    mode === undefined ? [] : [mode],
  );
  const wanted = new Map<number, Set<string>>();
  for (const r of rows) if (r['chain_id'] !== null && r['base_token'] !== null) wanted.set(Number(r['chain_id']), new Set([...(wanted.get(Number(r['chain_id'])) ?? []), String(r['base_token'])]));
  const tokens = await loadDeskTokens(db, wanted);
  return rows.map((r): RiskView => {
    const chainId = r['chain_id'] === null ? null : Number(r['chain_id']);
    const base = r['base_token'] as string | null;
    const report = r['report'] as { risk: Record<string, unknown>; execution: Record<string, unknown> };
    const amount = (key: string): Amount | null => {
      const raw = report.risk[key];
      return chainId === null || base === null || typeof raw !== 'string' ? null : tokens.amount(chainId, base, BigInt(raw));
    };
    const ratio = (value: unknown): number | null => (typeof value === 'number' ? value : null);
    return {
      mode: r['mode'] as string, takenAt: (r['taken_at'] as Date).toISOString(), chainId, token: chainId === null || base === null ? null : tokens.token(chainId, base),
      trades: Number(r['trades']), totalPnl: amount('totalPnl'), maxDrawdown: amount('maxDrawdown'), var95: amount('var95'), var99: amount('var99'),
      winRate: ratio(report.risk['winRate']), sharpe: ratio(report.risk['sharpe']), sortino: ratio(report.risk['sortino']), profitFactor: ratio(report.risk['profitFactor']),
      revertRate: ratio(report.execution['revertRate']), report,
    };
  }).sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}
