import type { Trade } from '../ledger/risk/pnl-series.ts';
import type { Queryable, SqlParam } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { nativeAmount, type NativeAmount } from './executions.ts';
import { Conditions } from './query-builder.ts';

/**
 * P&L per UTC day or per mode session, per base token. A trade is, in sim mode, a simulation
 * that succeeded (gross = the profit the contract reported on the simulated block) and, in live
 * mode, an execution with a realized profit (gross = realized). Net = gross − gas, in one token:
 * in sim the gas is the scanner's estimate in the base token (`opportunities.gas_cost`); in live
 * it is the gas paid, converted to the base token at the execution's rate (the intent's
 * `gas_cost_base`; the estimate only where no receipt converted it). Live rows also carry the gas
 * paid in the native token (`executions.gas_cost`, wei), and both modes the estimate beside it.
 *
 * A trade is dated when it happened: a simulation when it ran, a live execution when it was
 * included (the intent's `included_at`, migration 0017: recorded once at inclusion, never moved
 * by a later sync or by finality), so a trade included before 00:00 UTC stays in that day's P&L
 * and risk windows. A live row without an intent (none written by the executor) is dated when it
 * was created.
 */

/** When a live execution `e` (intent `i`, left-joined) counts: its inclusion. */
export const LIVE_TRADE_AT = 'coalesce(i.included_at, e.created_at)';

/** How rows are grouped. */
export type PnlGrouping = 'day' | 'session';

/** Which trades. */
export interface TradeFilter {
  mode?: 'sim' | 'live';
  session?: bigint;
  from?: Date;
  /** Inclusive end. */
  to?: Date;
  /** Exclusive end, at the database's precision (a report's [from, until)). */
  until?: Date;
  token?: string;
}

/** One period of one base token. */
export interface PnlRow {
  mode: string;
  /** `YYYY-MM-DD` (UTC) or the session id. */
  period: string;
  chainId: number;
  token: TokenRef;
  trades: number;
  /** Trades with net > 0. */
  wins: number;
  predicted: Amount;
  gross: Amount;
  /** The scanner's gas estimate in the base token (what the plan expected to pay). */
  gasEstimate: Amount;
  /** The gas the net subtracts: sim the estimate; live the gas paid in the base token. */
  gas: Amount;
  net: Amount;
  /** Live only: gas paid on chain, native token. */
  gasPaid: NativeAmount | null;
}

/**
 * Every trade of `filter` as one row (mode, session, at, chain, base token, predicted, gross,
 * gas, gas paid): the sim and live sources as one union, parameters shared.
 */
function tradesSql(filter: TradeFilter, params: SqlParam[]): string {
  const parts: string[] = [];
  const narrow = (where: Conditions, alias: string, at: string): Conditions =>
    where.add(`${alias}.mode_session = $?`, filter.session).add(`${at} >= $?`, filter.from).add(`${at} <= $?`, filter.to).add(`${at} < $?`, filter.until).add('lower(o.base_token) = $?', filter.token?.toLowerCase());
  if (filter.mode !== 'live') {
    const where = narrow(new Conditions(params).when("s.status = 'ok'").when("s.mode = 'sim'"), 's', 's.simulated_at');
    parts.push(`select s.mode, s.mode_session, s.simulated_at as at, o.chain_id, o.base_token, s.predicted_profit as predicted, s.simulated_profit as gross, o.gas_cost as gas_estimate, o.gas_cost as gas, null::numeric as gas_paid
      from simulations s join opportunities o on o.id = s.opportunity_id ${where.sql}`);
  }
  if (filter.mode !== 'sim') {
    const where = narrow(new Conditions(params).when('e.realized_profit is not null').when("e.mode = 'live'"), 'e', LIVE_TRADE_AT);
    parts.push(`select e.mode, e.mode_session, ${LIVE_TRADE_AT} as at, o.chain_id, o.base_token, e.predicted_profit as predicted, e.realized_profit as gross, o.gas_cost as gas_estimate,
        coalesce(i.gas_cost_base, o.gas_cost) as gas, e.gas_cost as gas_paid
      from executions e join opportunities o on o.id = e.opportunity_id left join intents i on i.id = e.intent_id ${where.sql}`);
  }
  return parts.join('\nunion all\n');
}

/** P&L rows grouped by day or session, then base token; newest period first. */
export async function pnlRows(db: Queryable, filter: TradeFilter & { group: PnlGrouping }): Promise<PnlRow[]> {
  const params: SqlParam[] = [];
  const period = filter.group === 'day' ? "to_char(t.at at time zone 'UTC', 'YYYY-MM-DD')" : 't.mode_session::text';
  const { rows } = await db.query(
    `select t.mode, ${period} as period, t.chain_id, t.base_token, count(*) as trades, sum(case when t.gross - t.gas > 0 then 1 else 0 end) as wins,
       sum(t.predicted) as predicted, sum(t.gross) as gross, sum(t.gas_estimate) as gas_estimate, sum(t.gas) as gas, sum(t.gas_paid) as gas_paid
     from (${tradesSql(filter, params)}) t group by t.mode, ${period}, t.chain_id, t.base_token order by ${filter.group === 'day' ? 'period' : 'min(t.mode_session)'} desc, t.mode, t.base_token`,
    params, { bigint: ['predicted', 'gross', 'gas_estimate', 'gas', 'gas_paid'] },
  );
  const tokens = await loadDeskTokens(db, tokensOf(rows, (r) => ({ chainId: Number(r['chain_id']), tokens: [r['base_token'] as string] })));
  return rows.map((r) => {
    const chainId = Number(r['chain_id']);
    const base = r['base_token'] as string;
    const gross = r['gross'] as bigint;
    const gas = r['gas'] as bigint;
    return {
      mode: r['mode'] as string, period: r['period'] as string, chainId, token: tokens.token(chainId, base),
      trades: Number(r['trades']), wins: Number(r['wins']),
      predicted: tokens.amount(chainId, base, r['predicted'] as bigint), gross: tokens.amount(chainId, base, gross),
      gasEstimate: tokens.amount(chainId, base, r['gas_estimate'] as bigint), gas: tokens.amount(chainId, base, gas), net: tokens.amount(chainId, base, gross - gas),
      gasPaid: nativeAmount(r['gas_paid'] as bigint | null),
    };
  });
}

/** A mode's trades per base token (net = gross − gas, as in {@link pnlRows}), oldest first: the risk report's input. */
export async function tradesByToken(db: Queryable, filter: TradeFilter): Promise<Map<string, { chainId: number; trades: Trade[] }>> {
  const params: SqlParam[] = [];
  const { rows } = await db.query(`select t.at, t.chain_id, lower(t.base_token) as token, t.gross - t.gas as net from (${tradesSql(filter, params)}) t order by t.at`, params, { bigint: ['net'] });
  const byToken = new Map<string, { chainId: number; trades: Trade[] }>();
  for (const r of rows) {
    const key = r['token'] as string;
    const entry = byToken.get(key) ?? { chainId: Number(r['chain_id']), trades: [] };
    entry.trades.push({ timestamp: (r['at'] as Date).getTime() / 1000, pnl: r['net'] as bigint });
    byToken.set(key, entry);
  }
  return byToken;
}
