-- Market sync checkpoint (chain monitor, issue 5): the block the stored pool states are at,
-- how far factory discovery got, and whether the initial load finished; a restart resumes here.
create table market_sync (
  chain_id bigint primary key check (chain_id > 0),
  block_number numeric(78, 0) not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  discovered_to numeric(78, 0),
  status text not null check (status in ('discovering', 'loading', 'complete')),
  updated_at timestamptz not null default now()
);

-- Token metadata and the verdict of the simulated-transfer safety check (reason kept).
create table market_token (
  chain_id bigint not null check (chain_id > 0),
  address text not null check (address ~ '^0x[0-9a-f]{40}$'),
  symbol text not null,
  name text,
  decimals integer not null check (decimals between 0 and 77),
  decimals_known boolean not null,
  unsafe_reason text,
  primary key (chain_id, address)
);

-- Tracked pools: identity, then state (amounts as decimal strings in JSON) once loaded, or the
-- reason the pool is excluded (an unsafe token, an uninitialized pool, a failing read).
create table market_pool (
  chain_id bigint not null check (chain_id > 0),
  address text not null check (address ~ '^0x[0-9a-f]{40}$'),
  protocol text not null check (protocol in ('uniswap-v2', 'uniswap-v3')),
  token0 text not null,
  token1 text not null,
  fee integer not null check (fee >= 0),
  tick_spacing integer,
  state jsonb,
  excluded_reason text,
  primary key (chain_id, address)
);
create index market_pool_pending on market_pool (chain_id) where state is null and excluded_reason is null;
