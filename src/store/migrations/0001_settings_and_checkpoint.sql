-- Settings: limits, mode and other run-time choices, as JSON (amounts as decimal strings).
create table settings (
  key text primary key check (key <> ''),
  value jsonb not null,
  updated_at timestamptz not null default now()
);

-- The last block the chain monitor fully processed, per chain: where it resumes after a restart.
create table chain_checkpoint (
  chain_id bigint primary key check (chain_id > 0),
  block_number numeric(78, 0) not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  updated_at timestamptz not null default now()
);
