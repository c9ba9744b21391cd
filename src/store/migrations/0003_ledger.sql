-- The ledger (issue 9): what the engine saw, decided, simulated and executed, every row stamped
-- with its mode and mode session. Amounts are numeric(78,0) in base units (net profit may be
-- negative); routes and amounts per hop are JSON arrays (amounts as decimal strings).

-- A mode session: from a switch to a mode (or the first start) until the next switch. Counters
-- and the funnel are per session; a restart continues the open session of the same mode.
create table mode_sessions (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  chain_id bigint not null check (chain_id > 0),
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  started_by text
);
create unique index mode_sessions_one_open on mode_sessions ((true)) where ended_at is null;

-- One row per opportunity at one market state: the same cycle at unchanged amounts over several
-- blocks is one row whose last_block moves on.
create table opportunities (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  mode_session bigint not null references mode_sessions (id),
  chain_id bigint not null,
  route_key text not null,
  first_block numeric(78, 0) not null,
  last_block numeric(78, 0) not null,
  base_token text not null,
  pools jsonb not null,
  tokens jsonb not null,
  protocols jsonb not null,
  fees jsonb not null,
  amounts jsonb not null,
  amount_in numeric(78, 0) not null,
  amount_out numeric(78, 0) not null,
  profit numeric(78, 0) not null,
  flash_kind text not null,
  flash_lender text,
  flash_fee numeric(78, 0) not null,
  gas_units numeric(78, 0) not null,
  gas_price numeric(78, 0) not null,
  gas_cost numeric(78, 0) not null,
  net_profit numeric(78, 0) not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  check (last_block >= first_block)
);
create index opportunities_session on opportunities (mode_session, id);
create index opportunities_seen on opportunities (last_seen_at);

-- What the orchestrator decided for an opportunity at a block: a plan, or a rejection with the
-- rule and reason.
create table decisions (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  mode_session bigint not null references mode_sessions (id),
  opportunity_id bigint not null references opportunities (id) on delete cascade,
  block numeric(78, 0) not null,
  outcome text not null check (outcome in ('planned', 'rejected')),
  rule text,
  reason text,
  min_profit numeric(78, 0),
  deadline_block numeric(78, 0),
  gas_limit numeric(78, 0),
  max_fee_per_gas numeric(78, 0),
  max_priority_fee_per_gas numeric(78, 0),
  executor text,
  sender text,
  calldata text,
  decided_at timestamptz not null,
  check ((outcome = 'planned') = (calldata is not null)),
  check ((outcome = 'rejected') = (rule is not null and reason is not null))
);
create index decisions_session on decisions (mode_session, id);
create index decisions_opportunity on decisions (opportunity_id);

-- The sim executor's result for a plan: simulated vs predicted profit, gas, the revert decoded;
-- 'skipped' when the executor was behind and moved on to a newer block (counted, never silent).
create table simulations (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  mode_session bigint not null references mode_sessions (id),
  decision_id bigint not null references decisions (id) on delete cascade,
  opportunity_id bigint not null,
  status text not null check (status in ('ok', 'reverted', 'failed', 'skipped')),
  state_block numeric(78, 0),
  state_hash text,
  as_block numeric(78, 0),
  predicted_profit numeric(78, 0) not null,
  simulated_profit numeric(78, 0),
  gas_limit numeric(78, 0) not null,
  gas_used numeric(78, 0),
  revert_name text,
  revert_args jsonb,
  error text,
  simulated_at timestamptz not null
);
create index simulations_session on simulations (mode_session, id);
create index simulations_decision on simulations (decision_id);
create index simulations_at on simulations (simulated_at);

-- Live executions (filled by live execution): one row per plan sent; kept 7 years, so it holds
-- its own copy of what it needs and no foreign key that retention of opportunities would break.
create table executions (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  mode_session bigint not null references mode_sessions (id),
  decision_id bigint not null,
  opportunity_id bigint not null,
  status text not null check (status in ('pending', 'submitted', 'included', 'reverted', 'dropped', 'replaced', 'failed')),
  tx_hash text,
  nonce numeric(78, 0),
  submitted_block numeric(78, 0),
  included_block numeric(78, 0),
  predicted_profit numeric(78, 0) not null,
  realized_profit numeric(78, 0),
  gas_used numeric(78, 0),
  effective_gas_price numeric(78, 0),
  gas_cost numeric(78, 0),
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index executions_session on executions (mode_session, id);
