-- Risk snapshots per window and base token (issue 13): each maintenance run stores one row per
-- (mode, window, base token), all with the run's `taken_at`; the latest run's rows are the ones
-- served. `risk_window` is one of the fixed windows ending at `taken_at` (src/ledger/risk/windows.ts);
-- rows written before this migration were over all time. The USD figures, when a reference pool
-- priced the base token, are in `report` beside the base-token ones (`usd`, or `usdReason`).
alter table risk_snapshots add column risk_window text not null default 'all' check (risk_window in ('24h', '7d', '30d', 'all'));
create index risk_snapshots_run on risk_snapshots (mode, taken_at desc);
