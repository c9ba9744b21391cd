import { readFunnel } from '../ledger/funnel.ts';
import type { FunnelStage } from '../ledger/risk/execution-metrics.ts';
import type { RiskCapital } from '../config/risk-capital.ts';
import type { UsdReference } from '../config/usd-reference.ts';
import type { RiskReport } from '../ledger/risk/metrics.ts';
import type { LedgerMode, ModePnl, RiskSnapshot, TimedExecution, TokenPnl } from '../ledger/risk/snapshot.ts';
import type { RiskWindow } from '../ledger/risk/windows.ts';
import type { Queryable, SqlParam, Store } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { Conditions } from './query-builder.ts';
import { capitalOf } from './risk-capital.ts';
import { usdSourceOf } from './usd-reference.ts';
import { LIVE_TRADE_AT, tradesByToken } from './pnl.ts';
import { resolveSession } from './sessions.ts';

/**
 * The ledger as the risk report's input, and the stored snapshots as the desk reads them. Per
 * mode, one P&L series per base token (figures across tokens do not add up), each with its
 * execution figures (slippage, gas, reverts: the mode's simulations in sim, its executions in
 * live) and its USD price when a reference pool gives one (src/desk/usd-reference.ts); the
 * funnel is the mode's latest session's.
 */

/** Reads what the risk snapshots of `mode` are computed from. */
export async function modeRiskSource(db: Queryable, mode: LedgerMode, settings: { usdReferencePools?: readonly UsdReference[]; riskCapital?: readonly RiskCapital[] } = {}): Promise<ModePnl> {
  const byToken = await tradesByToken(db, { mode });
  const executions = await executionOutcomes(db, mode);
  const tokens: TokenPnl[] = [];
  for (const [token, { chainId, trades }] of byToken) {
    const capital = await capitalOf(db, chainId, token, settings.riskCapital ?? []);
    tokens.push({
      chainId, token, trades, executions: executions.get(token) ?? [], usd: await usdSourceOf(db, chainId, token, settings.usdReferencePools ?? []),
      ...(capital === undefined ? {} : { capital }),
    });
  }
  const session = await resolveSession(db, { mode });
  const funnel: FunnelStage[] = [];
  if (session !== null) {
    const f = await readFunnel(db, BigInt(session.id));
    funnel.push({ stage: 'detected', count: f.detected }, { stage: 'planned', count: f.planned }, { stage: 'simulated-ok', count: f.simulated.ok },
      { stage: 'submitted', count: f.submitted }, { stage: 'included', count: f.included }, { stage: 'realized', count: f.realized });
  }
  return { tokens, funnel };
}

/** Predicted vs realized (simulated in sim), gas paid in wei, reverted, when (simulated; live: included): per base token (lower-case). */
async function executionOutcomes(db: Queryable, mode: LedgerMode): Promise<Map<string, TimedExecution[]>> {
  const { rows } = mode === 'sim'
    ? await db.query(
      `select lower(o.base_token) as token, s.simulated_at as at, s.predicted_profit as predicted, s.simulated_profit as realized, coalesce(s.gas_used, 0) * o.gas_price as gas, s.status = 'reverted' as reverted
       from simulations s join opportunities o on o.id = s.opportunity_id where s.mode = 'sim' and s.status in ('ok', 'reverted')`,
      [], { bigint: ['predicted', 'realized', 'gas'] })
    : await db.query(
      `select lower(o.base_token) as token, ${LIVE_TRADE_AT} as at, e.predicted_profit as predicted, e.realized_profit as realized, coalesce(e.gas_cost, 0) as gas, e.status = 'reverted' as reverted
       from executions e join opportunities o on o.id = e.opportunity_id left join intents i on i.id = e.intent_id where e.mode = 'live' and e.status in ('included', 'reverted')`,
      [], { bigint: ['predicted', 'realized', 'gas'] });
  const byToken = new Map<string, TimedExecution[]>();
  for (const r of rows) {
    const token = r['token'] as string;
    const list = byToken.get(token) ?? [];
    list.push({ timestamp: (r['at'] as Date).getTime() / 1000, predictedProfit: r['predicted'] as bigint, realizedProfit: r['realized'] as bigint | null, gasCost: r['gas'] as bigint, reverted: r['reverted'] === true });
    byToken.set(token, list);
  }
  return byToken;
}

/** Points of the equity curve a stored snapshot keeps at most (a chart's worth; the last point always). */
export const EQUITY_POINTS = 500;

/** A report with its equity curve thinned to {@link EQUITY_POINTS} (the last point always kept). */
function thinned(report: RiskReport): RiskReport {
  const curve = report.equityCurve;
  const step = Math.max(1, Math.ceil(curve.length / EQUITY_POINTS));
  return { ...report, equityCurve: curve.filter((_, i) => i % step === step - 1 || i === curve.length - 1) };
}

/**
 * JSON of a snapshot's report: bigints as decimal strings, equity curves thinned. `usd` is the
 * same report in base units of the stablecoin `usd.stable`, with the pool, block and price
 * (stablecoin base units per base-token base unit, numerator/denominator) it was converted at;
 * null with `usdReason` when there is no USD price.
 */
export function snapshotJson(snapshot: RiskSnapshot): Record<string, unknown> {
  const usd = snapshot.usd === null ? null : { ...snapshot.usd, risk: thinned(snapshot.usd.risk) };
  const plain = { risk: thinned(snapshot.risk), execution: snapshot.execution, funnel: snapshot.funnel, usd, usdReason: snapshot.usdReason };
  return JSON.parse(JSON.stringify(plain, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

/** Stores a snapshot (one mode, window and base token of a run). */
/**
 * One maintenance run's snapshots in one transaction: readers serve the newest run's rows, so a
 * run cut short (a lost connection at its second insert) must leave the last whole run served,
 * not a part of this one.
 */
export async function saveRiskSnapshots(store: Store, snapshots: readonly RiskSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  await store.transaction(async (tx) => {
    for (const snapshot of snapshots) await saveRiskSnapshot(tx, snapshot);
  });
}

async function saveRiskSnapshot(db: Queryable, snapshot: RiskSnapshot): Promise<void> {
  await db.query('insert into risk_snapshots (mode, risk_window, taken_at, chain_id, base_token, trades, report) values ($1, $2, $3, $4, $5, $6, $7::jsonb)', [
    snapshot.mode, snapshot.window, snapshot.takenAt, snapshot.chainId, snapshot.token, snapshot.risk.trades, JSON.stringify(snapshotJson(snapshot)),
  ]);
}

/** The USD side of a stored snapshot: amounts in the stablecoin, and where the price came from. */
export interface RiskUsdView {
  /** The stablecoin (one unit taken as one US dollar). */
  token: TokenRef;
  /** The reference pool and the block its state (so the price) is at. */
  pool: string;
  block: string | null;
  totalPnl: Amount;
  maxDrawdown: Amount | null;
  var95: Amount | null;
  var99: Amount | null;
}

/** A stored snapshot as the desk shows it: the headline figures with amounts in token units, USD beside them, and the whole report. */
export interface RiskView {
  mode: string;
  window: RiskWindow;
  takenAt: string;
  chainId: number | null;
  token: TokenRef | null;
  trades: number;
  totalPnl: Amount | null;
  maxDrawdown: Amount | null;
  /** The drawdown as a percentage of the configured capital (ORION_RISK_CAPITAL). */
  maxDrawdownPct: number | null;
  var95: Amount | null;
  var99: Amount | null;
  winRate: number | null;
  sharpe: number | null;
  sortino: number | null;
  profitFactor: number | null;
  revertRate: number | null;
  /** Null when no reference pool priced the token; `usdReason` says why. */
  usd: RiskUsdView | null;
  usdReason: string | null;
  report: Record<string, unknown>;
}

/** Which stored snapshots to read; every field optional. */
export interface RiskFilter {
  mode?: LedgerMode;
  window?: RiskWindow;
  /** A base token: its address, or its symbol (case-insensitive). */
  token?: string;
}

type StoredReport = { risk: Record<string, unknown>; execution: Record<string, unknown>; usd?: { stable: string; pool: string; block: string | null; risk: Record<string, unknown> } | null; usdReason?: string | null };

/** The snapshots of each mode's latest run (or of `filter`'s), newest run first, then window and token; each mode's latest run found through the (mode, taken_at) index. */
export async function latestRiskSnapshots(db: Queryable, filter: RiskFilter = {}): Promise<RiskView[]> {
  const params: SqlParam[] = [];
  const where = new Conditions(params).add('r.mode = $?', filter.mode).add('r.risk_window = $?', filter.window);
  const { rows } = await db.query(
    `select r.mode, r.risk_window, r.taken_at, r.chain_id, r.base_token, r.trades, r.report from risk_snapshots r
     join (select m.mode, (select s.taken_at from risk_snapshots s where s.mode = m.mode order by s.taken_at desc limit 1) as taken_at
           from (values ('sim'), ('live')) as m (mode)) latest on latest.mode = r.mode and latest.taken_at = r.taken_at
     ${where.sql} order by r.taken_at desc, r.mode, r.id`,
    params,
  );
  const wanted = tokensOf(rows.filter((r) => r['chain_id'] !== null), (r) => {
    const usd = (r['report'] as StoredReport).usd;
    return { chainId: Number(r['chain_id']), tokens: [...(r['base_token'] === null ? [] : [r['base_token'] as string]), ...(usd == null ? [] : [usd.stable])] };
  });
  const tokens = await loadDeskTokens(db, wanted);
  const views = rows.map((r): RiskView => {
    const chainId = r['chain_id'] === null ? null : Number(r['chain_id']);
    const base = r['base_token'] as string | null;
    const report = r['report'] as StoredReport;
    const amountOf = (figures: Record<string, unknown>, token: string | null, key: string): Amount | null => {
      const raw = figures[key];
      return chainId === null || token === null || typeof raw !== 'string' ? null : tokens.amount(chainId, token, BigInt(raw));
    };
    const amount = (key: string): Amount | null => amountOf(report.risk, base, key);
    const ratio = (value: unknown): number | null => (typeof value === 'number' ? value : null);
    const usd = report.usd ?? null;
    return {
      mode: r['mode'] as string, window: r['risk_window'] as RiskWindow, takenAt: (r['taken_at'] as Date).toISOString(), chainId,
      token: chainId === null || base === null ? null : tokens.token(chainId, base),
      trades: Number(r['trades']), totalPnl: amount('totalPnl'), maxDrawdown: amount('maxDrawdown'), maxDrawdownPct: ratio(report.risk['maxDrawdownPct']), var95: amount('var95'), var99: amount('var99'),
      winRate: ratio(report.risk['winRate']), sharpe: ratio(report.risk['sharpe']), sortino: ratio(report.risk['sortino']), profitFactor: ratio(report.risk['profitFactor']),
      revertRate: ratio(report.execution['revertRate']),
      usd: usd === null || chainId === null ? null : {
        token: tokens.token(chainId, usd.stable), pool: usd.pool, block: usd.block,
        totalPnl: amountOf(usd.risk, usd.stable, 'totalPnl')!, maxDrawdown: amountOf(usd.risk, usd.stable, 'maxDrawdown'), var95: amountOf(usd.risk, usd.stable, 'var95'), var99: amountOf(usd.risk, usd.stable, 'var99'),
      },
      usdReason: report.usdReason ?? (usd === null ? 'taken before USD figures existed' : null),
      report,
    };
  });
  const token = filter.token?.toLowerCase();
  return token === undefined ? views : views.filter((v) => v.token !== null && (v.token.address.toLowerCase() === token || v.token.symbol.toLowerCase() === token));
}
