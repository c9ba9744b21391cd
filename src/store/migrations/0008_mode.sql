-- The mode service (src/mode): the mode every instance follows, one row, and the result of every
-- pre-flight validation (a switch to live needs a passing one of the last minute).
create table mode_state (
  id boolean primary key default true check (id),
  mode text not null check (mode in ('sim', 'live')),
  since timestamptz not null default now(),
  switched_by text,
  validation_id bigint
);

create table mode_validations (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  passed boolean not null,
  checks jsonb not null,
  hot_key text,
  chain_id bigint,
  requested_by text
);
create index mode_validations_recent on mode_validations (at desc);
