-- Fencing of the live writer (issue 11). The writer lock (src/executor/live/writer-lock.ts) is a
-- PostgreSQL advisory lock held by an idle transaction; between the server ending that session
-- and the process hearing of it, another process can take the lock. The database must then
-- refuse the old writer's writes: each (chain, account) row carries an epoch, raised by every
-- writer right after it takes the lock and before it reads anything; every statement that moves
-- the nonce or writes an attempt names the epoch its writer holds and is refused (SQLSTATE
-- OR001, nothing written) when it is not the row's. A compared column: no catalog read on the
-- path from head to broadcast.
alter table live_accounts add column writer_epoch bigint not null default 0;

-- The commit of an intent (0012) with the writer's epoch. The 0012 function is dropped, so no
-- unfenced way to advance the nonce is left.
drop function orion_create_intent(bigint, text, text, bigint, numeric, jsonb, text, text, numeric, numeric, numeric, numeric, text, text, text, numeric, numeric, numeric, numeric);

-- Raises the fencing refusal when (p_chain_id, p_account)'s epoch is not p_writer_epoch. The
-- row is read FOR SHARE: a new writer's raise of the epoch waits for the statement that checked
-- it (and then reads what it wrote), and a check waiting for the raise sees the new epoch.
create function orion_check_writer(p_chain_id bigint, p_account text, p_writer_epoch bigint) returns boolean
language plpgsql as $$
declare current_epoch bigint; begin
  select writer_epoch into current_epoch from live_accounts where chain_id = p_chain_id and account = p_account for share;
  if current_epoch is distinct from p_writer_epoch then
    raise exception 'live writer fenced: the writer epoch of % on chain % is %, this writer holds %: another writer took the account; nothing was written',
      p_account, p_chain_id, coalesce(current_epoch::text, 'none'), p_writer_epoch using errcode = 'OR001';
  end if;
  return true;
end $$;

create function orion_create_intent(
  p_chain_id bigint, p_account text, p_writer_epoch bigint, p_opportunity_key text, p_mode_session bigint, p_nonce numeric,
  p_plan jsonb, p_executor text, p_base_token text, p_plan_block numeric, p_deadline_block numeric,
  p_predicted_profit numeric, p_simulated_profit numeric,
  p_kind text, p_raw_tx text, p_tx_hash text, p_gas_limit numeric, p_max_fee_per_gas numeric,
  p_max_priority_fee_per_gas numeric, p_created_block numeric,
  out taken boolean, out intent_id bigint, out attempt_id bigint, out attempt_broadcasts integer
) language plpgsql as $$ begin
  taken := exists (select 1 from intents where chain_id = p_chain_id and opportunity_key = p_opportunity_key);
  if taken then return; end if;
  -- The epoch is one more compared column of the update that advances the nonce: the row lock
  -- it takes orders it with a new writer's raise of the epoch (READ COMMITTED re-checks the
  -- condition on the raised row and finds nothing).
  update live_accounts set next_nonce = p_nonce + 1, updated_at = now()
   where chain_id = p_chain_id and account = p_account and next_nonce = p_nonce and writer_epoch = p_writer_epoch;
  if not found then
    -- Which condition failed (off the path: only a refused commit gets here).
    perform orion_check_writer(p_chain_id, p_account, p_writer_epoch);
    return;
  end if;
  insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token,
                       plan_block, deadline_block, predicted_profit, simulated_profit)
  values (p_chain_id, p_account, p_opportunity_key, p_mode_session, p_nonce, 'in_progress', p_plan, p_executor, p_base_token,
          p_plan_block, p_deadline_block, p_predicted_profit, p_simulated_profit)
  returning id into intent_id;
  insert into intent_attempts (intent_id, kind, raw_tx, tx_hash, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, created_block)
  values (intent_id, p_kind, p_raw_tx, p_tx_hash, p_gas_limit, p_max_fee_per_gas, p_max_priority_fee_per_gas, p_created_block)
  returning id, broadcasts into attempt_id, attempt_broadcasts;
end $$;
