import type { MarketPersistence, MarketPoolRow, MarketSyncRow } from '../market/persistence.ts';
import type { Queryable } from './types.ts';

/**
 * Rows of the market sync checkpoint (migration 0002): where the initial sync stands, the
 * tokens with their safety verdict, and the tracked pools with their state as JSON (amounts as
 * decimal strings). Owned by the chain monitor (issue 5); pass the store or a transaction.
 */

export type { MarketPoolRow, MarketSyncRow, MarketTokenRow } from '../market/persistence.ts';

/** Access to the market sync tables: the market's persistence less the chain checkpoint and transactions (market-persistence.ts adds those). */
export type MarketSyncRepository = Omit<MarketPersistence, 'saveChainCheckpoint' | 'transaction'>;

interface SyncDbRow {
  chain_id: bigint;
  block_number: bigint;
  block_hash: `0x${string}`;
  discovered_to: bigint | null;
  status: MarketSyncRow['status'];
  [column: string]: unknown;
}

interface PoolDbRow {
  address: string;
  protocol: MarketPoolRow['protocol'];
  token0: string;
  token1: string;
  fee: number;
  tick_spacing: number | null;
  state: Record<string, unknown> | null;
  excluded_reason: string | null;
  [column: string]: unknown;
}

interface TokenDbRow {
  address: string;
  symbol: string;
  name: string | null;
  decimals: number;
  decimals_known: boolean;
  unsafe_reason: string | null;
  [column: string]: unknown;
}

// Multi-row inserts in slices: one statement per slice keeps parameter counts far below limits.
const SLICE = 500;

/** The repository over `db`. */
export function createMarketSyncRepository(db: Queryable): MarketSyncRepository {
  return {
    async getSync(chainId) {
      const { rows } = await db.query<SyncDbRow>(
        'select chain_id, block_number, block_hash, discovered_to, status from market_sync where chain_id = $1',
        [chainId],
        { bigint: ['block_number', 'discovered_to'] },
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return { chainId, blockNumber: row.block_number, blockHash: row.block_hash, discoveredTo: row.discovered_to, status: row.status };
    },
    async saveSync(row) {
      await db.query(
        `insert into market_sync (chain_id, block_number, block_hash, discovered_to, status) values ($1, $2, $3, $4, $5)
         on conflict (chain_id) do update set block_number = excluded.block_number, block_hash = excluded.block_hash,
           discovered_to = excluded.discovered_to, status = excluded.status, updated_at = now()`,
        [row.chainId, row.blockNumber, row.blockHash.toLowerCase(), row.discoveredTo, row.status],
      );
    },
    async reset(chainId) {
      for (const table of ['market_pool', 'market_token', 'market_sync']) await db.query(`delete from ${table} where chain_id = $1`, [chainId]);
    },
    async addPools(chainId, pools) {
      for (let i = 0; i < pools.length; i += SLICE) {
        const slice = pools.slice(i, i + SLICE);
        const params: (string | number | null)[] = [];
        const values = slice.map((p, k) => {
          params.push(chainId, p.address, p.protocol, p.token0, p.token1, p.fee, p.tickSpacing);
          const b = k * 7;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
        });
        await db.query(
          `insert into market_pool (chain_id, address, protocol, token0, token1, fee, tick_spacing) values ${values.join(', ')} on conflict do nothing`,
          params,
        );
      }
    },
    async updatePools(chainId, updates) {
      for (let i = 0; i < updates.length; i += SLICE) {
        const slice = updates.slice(i, i + SLICE);
        await db.query(
          `update market_pool p set state = u.state::jsonb, excluded_reason = u.reason
           from unnest($2::text[], $3::text[], $4::text[]) as u(address, state, reason)
           where p.chain_id = $1 and p.address = u.address`,
          [chainId, slice.map((u) => u.address), slice.map((u) => (u.state === null ? null : JSON.stringify(u.state))), slice.map((u) => u.excludedReason)],
        );
      }
    },
    async listPools(chainId, filter = 'all') {
      const where = filter === 'pending' ? 'and state is null and excluded_reason is null' : filter === 'loaded' ? 'and state is not null' : '';
      const { rows } = await db.query<PoolDbRow>(
        `select address, protocol, token0, token1, fee, tick_spacing, state, excluded_reason from market_pool where chain_id = $1 ${where} order by address`,
        [chainId],
      );
      return rows.map((r) => ({
        address: r.address, protocol: r.protocol, token0: r.token0, token1: r.token1, fee: Number(r.fee),
        tickSpacing: r.tick_spacing === null ? null : Number(r.tick_spacing), state: r.state, excludedReason: r.excluded_reason,
      }));
    },
    async saveTokens(chainId, tokens) {
      for (let i = 0; i < tokens.length; i += SLICE) {
        const slice = tokens.slice(i, i + SLICE);
        const params: (string | number | boolean | null)[] = [];
        const values = slice.map((t, k) => {
          params.push(chainId, t.address, t.symbol, t.name, t.decimals, t.decimalsKnown, t.unsafeReason);
          const b = k * 7;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
        });
        await db.query(
          `insert into market_token (chain_id, address, symbol, name, decimals, decimals_known, unsafe_reason) values ${values.join(', ')}
           on conflict (chain_id, address) do update set symbol = excluded.symbol, name = excluded.name, decimals = excluded.decimals,
             decimals_known = excluded.decimals_known, unsafe_reason = excluded.unsafe_reason`,
          params,
        );
      }
    },
    async listTokens(chainId) {
      const { rows } = await db.query<TokenDbRow>(
        'select address, symbol, name, decimals, decimals_known, unsafe_reason from market_token where chain_id = $1 order by address',
        [chainId],
      );
      return rows.map((r) => ({ address: r.address, symbol: r.symbol, name: r.name, decimals: Number(r.decimals), decimalsKnown: r.decimals_known, unsafeReason: r.unsafe_reason }));
    },
  };
}
