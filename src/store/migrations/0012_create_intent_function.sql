-- The live executor's commit of an intent (issue 11), as a function. It does what the one
-- statement of src/executor/live/intent-store.ts did (the opportunity checked free, the nonce row
-- advanced from exactly the nonce signed with, the intent and its first attempt inserted, all or
-- nothing), but PL/pgSQL keeps each statement's plan for the session: on PGlite, where a
-- statement cannot be prepared by name, planning the four-part statement was ~40 % of the
-- commit on the path from head to broadcast (2.6 → 1.5 ms p50 measured side by side; the same
-- on PostgreSQL, where the statement was already prepared). It returns only the new ids: the
-- caller has every other field.
--
-- taken: the opportunity already has an intent (nothing written). intent_id null otherwise:
-- the nonce row does not hold p_nonce (another writer), nothing written.
create function orion_create_intent(
  p_chain_id bigint, p_account text, p_opportunity_key text, p_mode_session bigint, p_nonce numeric,
  p_plan jsonb, p_executor text, p_base_token text, p_plan_block numeric, p_deadline_block numeric,
  p_predicted_profit numeric, p_simulated_profit numeric,
  p_kind text, p_raw_tx text, p_tx_hash text, p_gas_limit numeric, p_max_fee_per_gas numeric,
  p_max_priority_fee_per_gas numeric, p_created_block numeric,
  out taken boolean, out intent_id bigint, out attempt_id bigint, out attempt_broadcasts integer
) language plpgsql as $$ begin
  taken := exists (select 1 from intents where chain_id = p_chain_id and opportunity_key = p_opportunity_key);
  if taken then return; end if;
  update live_accounts set next_nonce = p_nonce + 1, updated_at = now()
   where chain_id = p_chain_id and account = p_account and next_nonce = p_nonce;
  if not found then return; end if;
  insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token,
                       plan_block, deadline_block, predicted_profit, simulated_profit)
  values (p_chain_id, p_account, p_opportunity_key, p_mode_session, p_nonce, 'in_progress', p_plan, p_executor, p_base_token,
          p_plan_block, p_deadline_block, p_predicted_profit, p_simulated_profit)
  returning id into intent_id;
  insert into intent_attempts (intent_id, kind, raw_tx, tx_hash, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, created_block)
  values (intent_id, p_kind, p_raw_tx, p_tx_hash, p_gas_limit, p_max_fee_per_gas, p_max_priority_fee_per_gas, p_created_block)
  returning id, broadcasts into attempt_id, attempt_broadcasts;
end $$;
