-- Protections (issue 10): the risk limits as data, versioned; the kill switch; breaker trips;
-- and the rule that blocked a simulated plan from being sent.

-- Every change of the limits is a new version holding the whole set (JSON, amounts as decimal
-- strings in base units, tokens by lowercase address): who, when, what changed, why. The
-- highest version is in force; a rollback writes a new version equal to an earlier one.
create table limits (
  version integer primary key check (version >= 1),
  chain_id bigint not null check (chain_id > 0),
  limits jsonb not null,
  changes jsonb not null,
  actor text not null,
  comment text,
  changed_at timestamptz not null default now()
);

-- The kill switch: each engage and release, with who, why and how (cli, api, file). The last
-- row is the switch's state; no row means released.
create table kill_switch_events (
  id bigserial primary key,
  engaged boolean not null,
  reason text not null check (length(reason) > 0),
  actor text not null,
  via text not null check (via in ('cli', 'api', 'file', 'engine')),
  at timestamptz not null default now()
);

-- Breakers that stay tripped across restarts: the daily-loss breaker until someone re-arms it,
-- the revert breaker until its cooldown block.
create table breaker_trips (
  id bigserial primary key,
  breaker text not null,
  reason text not null,
  tripped_block numeric(78, 0) not null,
  until_block numeric(78, 0),
  tripped_at timestamptz not null default now(),
  rearmed_at timestamptz,
  rearmed_by text,
  rearm_reason text
);
create index breaker_trips_open on breaker_trips (breaker) where rearmed_at is null;

-- A plan simulated fine but a rule checked on the simulation's result kept it from being sent.
alter table simulations add column blocked_rule text;
alter table simulations add column blocked_reason text;
