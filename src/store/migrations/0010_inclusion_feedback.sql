-- Bundle submission and inclusion feedback (issue 11). A bundle attempt is the same signed
-- transaction as a public one (intent_attempts, committed before anything is sent); what each
-- relay was asked and answered for it is kept here, one row per (attempt, relay, target block):
-- the replacementUuid, the relay's bundle hash, its eth_callBundle simulation. A re-targeting
-- after the last target block passed adds rows for the same attempt (same bytes, same nonce:
-- never a second nonce for an opportunity).
create table bundle_submissions (
  id bigserial primary key,
  attempt_id bigint not null references intent_attempts (id),
  relay_url text not null,
  replacement_uuid text not null,
  target_block numeric(78, 0) not null,
  -- eth_callBundle: 'ok', 'reverted' (with simulation_error), 'unsupported' (method not found), 'failed' (no answer).
  simulation text not null check (simulation in ('ok', 'reverted', 'unsupported', 'failed')),
  simulation_error text,
  -- eth_sendBundle: the relay's bundle hash when it took the bundle; send_error when it did not.
  bundle_hash text,
  send_error text,
  created_at timestamptz not null default now(),
  unique (attempt_id, relay_url, target_block)
);
create index bundle_submissions_attempt on bundle_submissions (attempt_id, id);

-- Why a submission did not land, found on chain: one row per target block missed (bundle
-- mode) or per public transaction that never made it before its deadline. `competitor_tx` /
-- `competitor_sender` name the transaction of the target block that moved the route's pools
-- first (reason pools-moved-first).
create table inclusion_feedback (
  id bigserial primary key,
  intent_id bigint not null references intents (id),
  attempt_id bigint references intent_attempts (id),
  submission text not null check (submission in ('public', 'bundle')),
  target_block numeric(78, 0) not null,
  reason text not null check (reason in ('pools-moved-first', 'base-fee-above-cap', 'deadline-passed', 'simulation-reverted', 'not-included')),
  detail text not null,
  competitor_tx text,
  competitor_sender text,
  created_at timestamptz not null default now(),
  unique (intent_id, target_block)
);
create index inclusion_feedback_intent on inclusion_feedback (intent_id, target_block);
