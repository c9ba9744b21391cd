-- Live execution, exactly once (issue 11). Nonces are owned by the database: each (chain,
-- account) has one row holding the next nonce, taken under that row's lock in the same
-- transaction that commits the intent and its first signed attempt, so nothing is ever sent
-- that the database does not already hold, and no nonce is handed out twice.

-- The next nonce of each account we send from, per chain.
create table live_accounts (
  chain_id bigint not null check (chain_id > 0),
  account text not null check (account ~ '^0x[0-9a-f]{40}$'),
  next_nonce numeric(78, 0) not null check (next_nonce >= 0),
  updated_at timestamptz not null default now(),
  primary key (chain_id, account)
);

-- One intent per opportunity (its market state: route + exact amounts) and per nonce. State:
-- in_progress (committed, not known to be on the network) -> unconfirmed (sent, or included
-- but not yet final) -> confirmed (an execution attempt mined and final) | failed (mined and
-- reverted, final) | dropped (the nonce was used by our cancellation or by a transaction that
-- is not ours: the opportunity was not executed).
create table intents (
  id bigserial primary key,
  chain_id bigint not null check (chain_id > 0),
  account text not null,
  opportunity_key text not null,
  mode_session bigint references mode_sessions (id),
  nonce numeric(78, 0) not null check (nonce >= 0),
  state text not null check (state in ('in_progress', 'unconfirmed', 'confirmed', 'failed', 'dropped')),
  plan jsonb not null,
  executor text not null,
  base_token text not null,
  plan_block numeric(78, 0) not null,
  deadline_block numeric(78, 0) not null,
  predicted_profit numeric(78, 0) not null,
  simulated_profit numeric(78, 0),
  -- The attempt that was mined (set on inclusion, cleared by a reorg that removes it).
  settled_attempt bigint,
  included_block numeric(78, 0),
  included_hash text,
  receipt_status text check (receipt_status in ('success', 'reverted')),
  -- Realized from the receipt: the contract's Executed profit (already net of the flash fee),
  -- the flash fee it paid, gas used x effective gas price in wei and in the base token, and the
  -- net: profit - gas in the base token.
  realized_profit numeric(78, 0),
  flash_fee numeric(78, 0),
  gas_used numeric(78, 0),
  effective_gas_price numeric(78, 0),
  gas_cost_wei numeric(78, 0),
  gas_cost_base numeric(78, 0),
  realized_net numeric(78, 0),
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  final_at timestamptz,
  unique (chain_id, opportunity_key),
  unique (chain_id, account, nonce)
);
create index intents_open on intents (chain_id, account) where state in ('in_progress', 'unconfirmed');

-- Every signed transaction of an intent, committed before it is sent: the first execution, a
-- replacement (same nonce, both fees >= +10 %), a cancellation (0 to ourselves, same nonce).
create table intent_attempts (
  id bigserial primary key,
  intent_id bigint not null references intents (id),
  kind text not null check (kind in ('execute', 'replacement', 'cancel')),
  raw_tx text not null,
  tx_hash text not null unique,
  gas_limit numeric(78, 0) not null,
  max_fee_per_gas numeric(78, 0) not null,
  max_priority_fee_per_gas numeric(78, 0) not null,
  created_block numeric(78, 0) not null,
  created_at timestamptz not null default now(),
  -- Set when a node accepted it; null while its fate is unknown (never sent, or the send failed).
  sent_at timestamptz,
  broadcasts integer not null default 0,
  last_error text
);
create index intent_attempts_intent on intent_attempts (intent_id, id);

-- The ledger's execution row of an intent (one each), kept in step as the intent moves.
alter table executions add column intent_id bigint unique;
create index decisions_calldata on decisions using hash (calldata);
