-- Risk snapshots (issue 13): the maintenance job's figures per mode, one row per run and mode;
-- the latest is served at GET /api/v1/risk and as the orion_risk_* gauges. `report` is the whole
-- report as JSON (exact amounts as decimal strings of base units of `base_token`, ratios as
-- numbers, a figure that cannot be computed null with its reason). `base_token` is the token of
-- the P&L series (the mode's most traded base token; null when there was no trade).
create table risk_snapshots (
  id bigserial primary key,
  mode text not null check (mode in ('sim', 'live')),
  taken_at timestamptz not null,
  chain_id bigint,
  base_token text,
  trades integer not null check (trades >= 0),
  report jsonb not null
);
create index risk_snapshots_latest on risk_snapshots (mode, id desc);
