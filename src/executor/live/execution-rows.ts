import { WRITER_HOLDS, type IntentStore } from './intent-store.ts';

/**
 * Keeps the ledger's `executions` rows (migration 0003, one per intent through `intent_id`) in
 * step with the intents: status, hashes, nonce, blocks, the predicted profit beside the
 * realized one (the contract's Executed profit) and the gas paid in wei of the chain's native
 * token (`gas_cost`, as every reader of the table and sim mode's figures take it; the intent
 * keeps it in the base token too). The row links to
 * its decision and opportunity, found by the plan's calldata and sender in the same mode
 * session; the ledger writes those in the background, so an intent whose decision is not
 * written yet is synced on a later block.
 *
 * Written by the writer that holds the account, fenced by its epoch (`IntentStore.fencedWrite`):
 * the upsert reads the intents as its statement's snapshot holds them, so a fenced-out writer's
 * sync that committed after the new writer's would put a stale status and P&L over it.
 */

const UPSERT = `
insert into executions (mode, mode_session, decision_id, opportunity_id, status, tx_hash, nonce, submitted_block, included_block,
  predicted_profit, realized_profit, gas_used, effective_gas_price, gas_cost, failure_reason, intent_id, updated_at)
select 'live', i.mode_session, d.id, d.opportunity_id,
  case when i.state = 'dropped' then 'dropped'
       when i.state = 'failed' or i.receipt_status = 'reverted' then 'reverted'
       when i.settled_attempt is not null then 'included'
       when i.state = 'in_progress' then 'pending'
       else 'submitted' end,
  coalesce(sa.tx_hash, la.tx_hash), i.nonce, fa.created_block, i.included_block, i.predicted_profit, i.realized_profit,
  i.gas_used, i.effective_gas_price, i.gas_cost_wei, i.failure_reason, i.id, now()
from intents i
join lateral (select id, opportunity_id from decisions d where d.mode_session = i.mode_session and d.sender = i.account and d.calldata = i.plan->>'calldata'
              order by d.id desc limit 1) d on true
join lateral (select created_block from intent_attempts a where a.intent_id = i.id order by a.id limit 1) fa on true
join lateral (select tx_hash from intent_attempts a where a.intent_id = i.id order by a.id desc limit 1) la on true
left join intent_attempts sa on sa.id = i.settled_attempt
where i.id = any($4::bigint[]) and i.chain_id = $1 and i.account = $2 and i.mode_session is not null and ${WRITER_HOLDS}
on conflict (intent_id) do update set status = excluded.status, tx_hash = excluded.tx_hash, included_block = excluded.included_block,
  realized_profit = excluded.realized_profit, gas_used = excluded.gas_used, effective_gas_price = excluded.effective_gas_price,
  gas_cost = excluded.gas_cost, failure_reason = excluded.failure_reason, updated_at = now()
returning intent_id`;

/**
 * Writes or updates the execution rows of `intentIds` (intents of `writer`'s account); returns the
 * ids done (the others wait for their decision row). A WriterFencedError, nothing written, once
 * another writer raised the account's epoch.
 */
export async function syncExecutionRows(writer: IntentStore, intentIds: readonly bigint[]): Promise<bigint[]> {
  if (intentIds.length === 0) return [];
  const done = await writer.fencedWrite([UPSERT], [intentIds.map(String)], { returning: 'intent_id' });
  return done.map((id) => BigInt(id));
}
