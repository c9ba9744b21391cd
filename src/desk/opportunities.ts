import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { ledgerConditions, toPage, type ListFilter, type Page } from './query-builder.ts';

/**
 * The opportunities the ledger holds, newest first: one row per market state (the same cycle at
 * unchanged amounts over several blocks is one row from `firstBlock` to `lastBlock`), with the
 * latest decision taken on it. Amounts are in the base token (gas cost converted by the scanner).
 */

/** Filters of the opportunity list. */
export interface OpportunityFilter extends ListFilter {
  /** Base token address. */
  token?: string;
  /** A pool the route passes through. */
  pool?: string;
  /** Net profit at least this (base units). */
  minNetProfit?: bigint;
  /** The latest decision's outcome. */
  outcome?: 'planned' | 'rejected' | 'undecided';
  /** The rule that rejected it. */
  rule?: string;
}

/** One opportunity as the desk shows it. */
export interface OpportunityView {
  id: string;
  mode: string;
  session: string;
  chainId: number;
  routeKey: string;
  route: string;
  baseToken: TokenRef;
  pools: string[];
  tokens: string[];
  protocols: string[];
  fees: number[];
  amounts: string[];
  firstBlock: string;
  lastBlock: string;
  firstSeenAt: string;
  lastSeenAt: string;
  amountIn: Amount;
  amountOut: Amount;
  profit: Amount;
  flash: { kind: string; lender: string | null; fee: Amount };
  gas: { units: string; priceWei: string; cost: Amount };
  netProfit: Amount;
  decision: { outcome: string; rule: string | null; reason: string | null; block: string } | null;
}

const AMOUNTS = ['first_block', 'last_block', 'amount_in', 'amount_out', 'profit', 'flash_fee', 'gas_units', 'gas_price', 'gas_cost', 'net_profit', 'decision_block'];

/** A page of opportunities matching `filter`. */
export async function listOpportunities(db: Queryable, filter: OpportunityFilter): Promise<Page<OpportunityView>> {
  const where = ledgerConditions('o', filter, 'last_seen_at', 'first_seen_at')
    .add('lower(o.base_token) = $?', filter.token?.toLowerCase())
    .add('exists (select 1 from jsonb_array_elements_text(o.pools) p where lower(p) = $?)', filter.pool?.toLowerCase())
    .add('o.net_profit >= $?::numeric', filter.minNetProfit)
    .add('d.rule = $?', filter.rule);
  if (filter.outcome === 'undecided') where.when('d.outcome is null');
  else where.add('d.outcome = $?', filter.outcome);
  const { rows } = await db.query(
    `select o.*, d.outcome, d.rule, d.reason, d.block as decision_block from opportunities o
     left join lateral (select outcome, rule, reason, block from decisions where opportunity_id = o.id order by id desc limit 1) d on true
     ${where.sql} order by o.id desc limit ${where.bind(filter.limit + 1)}`,
    where.params, { bigint: AMOUNTS },
  );
  const tokens = await loadDeskTokens(db, tokensOf(rows, (r) => ({ chainId: Number(r['chain_id']), tokens: r['tokens'] as string[] })));
  return toPage(rows, filter.limit, (r) => r['id'] as bigint, (r): OpportunityView => {
    const chainId = Number(r['chain_id']);
    const base = r['base_token'] as string;
    const amount = (column: string): Amount => tokens.amount(chainId, base, r[column] as bigint);
    return {
      id: String(r['id']), mode: r['mode'] as string, session: String(r['mode_session']), chainId, routeKey: r['route_key'] as string,
      route: tokens.route(chainId, r['tokens'] as string[]), baseToken: tokens.token(chainId, base),
      pools: r['pools'] as string[], tokens: r['tokens'] as string[], protocols: r['protocols'] as string[], fees: r['fees'] as number[], amounts: (r['amounts'] as unknown[]).map(String),
      firstBlock: String(r['first_block']), lastBlock: String(r['last_block']),
      firstSeenAt: (r['first_seen_at'] as Date).toISOString(), lastSeenAt: (r['last_seen_at'] as Date).toISOString(),
      amountIn: amount('amount_in'), amountOut: amount('amount_out'), profit: amount('profit'),
      flash: { kind: r['flash_kind'] as string, lender: r['flash_lender'] as string | null, fee: amount('flash_fee') },
      gas: { units: String(r['gas_units']), priceWei: String(r['gas_price']), cost: amount('gas_cost') },
      netProfit: amount('net_profit'),
      decision: r['outcome'] === null ? null : { outcome: r['outcome'] as string, rule: r['rule'] as string | null, reason: r['reason'] as string | null, block: String(r['decision_block']) },
    };
  });
}
