import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { ledgerConditions, toPage, type LedgerRowView, type ListFilter, type Page } from './query-builder.ts';

/**
 * The sim executor's results, newest first: each plan's simulated profit beside the profit it
 * predicted, gas used against the limit, the revert decoded, or why it was skipped or failed.
 * The route comes from the opportunity row (a simulation outlives nothing: retention deletes
 * both together).
 */

/** Filters of the simulation list. */
export interface SimulationFilter extends ListFilter {
  status?: 'ok' | 'reverted' | 'failed' | 'skipped';
  /** Decoded revert name (custom error). */
  revert?: string;
  opportunity?: bigint;
}

/** One simulation as the desk shows it. */
export interface SimulationView extends LedgerRowView {
  chainId: number | null;
  route: string | null;
  pools: string[];
  baseToken: TokenRef | null;
  stateBlock: string | null;
  asBlock: string | null;
  predictedProfit: Amount | null;
  simulatedProfit: Amount | null;
  /** Simulated minus predicted (negative: the chain gave less than the plan expected). */
  slippage: Amount | null;
  gasLimit: string;
  gasUsed: string | null;
  revert: { name: string | null; args: unknown[] } | null;
  error: string | null;
  simulatedAt: string;
}

/** A page of simulations matching `filter`. */
export async function listSimulations(db: Queryable, filter: SimulationFilter): Promise<Page<SimulationView>> {
  const where = ledgerConditions('s', filter, 'simulated_at')
    .add('s.status = $?', filter.status)
    .add('s.revert_name = $?', filter.revert)
    .add('s.opportunity_id = $?', filter.opportunity);
  const { rows } = await db.query(
    `select s.*, o.chain_id, o.base_token, o.tokens, o.pools from simulations s left join opportunities o on o.id = s.opportunity_id
     ${where.sql} order by s.id desc limit ${where.bind(filter.limit + 1)}`,
    where.params, { bigint: ['state_block', 'as_block', 'predicted_profit', 'simulated_profit', 'gas_limit', 'gas_used'] },
  );
  const tokens = await loadDeskTokens(db, tokensOf(rows.filter((r) => r['chain_id'] !== null), (r) => ({ chainId: Number(r['chain_id']), tokens: r['tokens'] as string[] })));
  return toPage(rows, filter.limit, (r) => r['id'] as bigint, (r): SimulationView => {
    const chainId = r['chain_id'] === null ? null : Number(r['chain_id']);
    const base = r['base_token'] as string | null;
    const amount = (raw: bigint | null): Amount | null => (chainId === null || base === null || raw === null ? null : tokens.amount(chainId, base, raw));
    const predicted = r['predicted_profit'] as bigint;
    const simulated = r['simulated_profit'] as bigint | null;
    const status = r['status'] as string;
    return {
      id: String(r['id']), mode: r['mode'] as string, session: String(r['mode_session']), decisionId: String(r['decision_id']), opportunityId: String(r['opportunity_id']),
      status, chainId, route: chainId === null ? null : tokens.route(chainId, r['tokens'] as string[]), pools: (r['pools'] as string[] | null) ?? [],
      baseToken: chainId === null || base === null ? null : tokens.token(chainId, base),
      stateBlock: r['state_block'] === null ? null : String(r['state_block']), asBlock: r['as_block'] === null ? null : String(r['as_block']),
      predictedProfit: amount(predicted), simulatedProfit: amount(simulated), slippage: amount(simulated === null ? null : simulated - predicted),
      gasLimit: String(r['gas_limit']), gasUsed: r['gas_used'] === null ? null : String(r['gas_used']),
      revert: status === 'reverted' ? { name: r['revert_name'] as string | null, args: (r['revert_args'] as unknown[] | null) ?? [] } : null,
      error: r['error'] as string | null, simulatedAt: (r['simulated_at'] as Date).toISOString(),
    };
  });
}
