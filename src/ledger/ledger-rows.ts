import { storableJson as json, storableText } from '../store/storable-text.ts';
import type { Queryable, SqlParam } from '../store/types.ts';
import { routeKey, type DecisionRecord, type ModeSession, type OpportunitySighting, type SimulationRecord } from './records.ts';

/**
 * The INSERT and UPDATE of each ledger row, one function per table, run inside the writer's
 * flush transaction. Amounts go in as bigint (sent as decimal text into numeric(78,0)), lists
 * of addresses and amounts as JSON. Text that can come from outside (a revert's name and
 * arguments, a node's error, a reason quoting either) goes through storableText: one NUL
 * character would otherwise fail the flush and stop the ledger behind it.
 */

const nullableText = (text: string | null | undefined): string | null => (text === null || text === undefined ? null : storableText(text));

async function insertReturningId(db: Queryable, sql: string, params: readonly SqlParam[]): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(sql, params);
  return rows[0]!.id;
}

/** Inserts an opportunity first sighted at `sighting.block`. */
export function insertOpportunity(db: Queryable, session: ModeSession, sighting: OpportunitySighting): Promise<bigint> {
  const o = sighting.opportunity;
  return insertReturningId(db, `insert into opportunities (mode, mode_session, chain_id, route_key, first_block, last_block, base_token, pools, tokens, protocols, fees, amounts,
      amount_in, amount_out, profit, flash_kind, flash_lender, flash_fee, gas_units, gas_price, gas_cost, net_profit, first_seen_at, last_seen_at)
    values ($1, $2, $3, $4, $5, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) returning id`, [
    session.mode, session.id, session.chainId, routeKey(o), sighting.block, o.tokens[0]!, json(o.pools), json(o.tokens), json(o.protocols), json(o.fees), json(o.amounts),
    o.amountIn, o.amountOut, o.profit, o.flashSource.kind, o.flashLender, o.flashFee, o.gasUnits, sighting.gasPrice, o.gasCost, o.netProfit, sighting.at,
  ]);
}

/** Moves an opportunity's last block on (the same state seen again). */
export async function extendOpportunity(db: Queryable, id: bigint, lastBlock: bigint, at: Date): Promise<void> {
  await db.query('update opportunities set last_block = greatest(last_block, $2::numeric), last_seen_at = greatest(last_seen_at, $3) where id = $1', [id, lastBlock, at]);
}

/** Inserts a decision on opportunity `opportunityId`. */
export function insertDecision(db: Queryable, session: ModeSession, opportunityId: bigint, record: DecisionRecord): Promise<bigint> {
  const d = record.decision;
  const plan = d.outcome === 'planned' ? d.plan : null;
  return insertReturningId(db, `insert into decisions (mode, mode_session, opportunity_id, block, outcome, rule, reason, min_profit, deadline_block, gas_limit,
      max_fee_per_gas, max_priority_fee_per_gas, executor, sender, calldata, decided_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning id`, [
    session.mode, session.id, opportunityId, record.block, d.outcome, d.outcome === 'rejected' ? d.rule : null, d.outcome === 'rejected' ? storableText(d.reason) : null,
    plan?.minProfit ?? null, plan?.deadlineBlock ?? null, plan?.gasLimit ?? null, plan?.maxFeePerGas ?? null, plan?.maxPriorityFeePerGas ?? null,
    plan?.executor.toLowerCase() ?? null, plan?.from.toLowerCase() ?? null, plan?.calldata ?? null, record.at,
  ]);
}

/** Inserts the simulation (or the skip) of decision `decisionId`. */
export async function insertSimulation(db: Queryable, session: ModeSession, decisionId: bigint, opportunityId: bigint, record: SimulationRecord): Promise<void> {
  const plan = record.kind === 'result' ? record.result.plan : record.plan;
  const r = record.kind === 'result' ? record.result : null;
  await db.query(`insert into simulations (mode, mode_session, decision_id, opportunity_id, status, state_block, state_hash, as_block, predicted_profit,
      simulated_profit, gas_limit, gas_used, revert_name, revert_args, error, simulated_at, blocked_rule, blocked_reason)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18)`, [
    session.mode, session.id, decisionId, opportunityId, r?.status ?? 'skipped', r?.stateBlock.number ?? null, r?.stateBlock.hash ?? null, r?.asBlock ?? null,
    plan.expectedProfit, r?.profit ?? null, plan.gasLimit, r?.gasUsed ?? null, nullableText(r?.revert?.name), r?.revert ? json(r.revert.args) : null,
    nullableText(r?.error ?? (record.kind === 'skipped' ? record.reason : null)), record.at, r?.blocked?.rule ?? null, nullableText(r?.blocked?.reason),
  ]);
}
