import type { BaseToken } from '../config/values.ts';
import type { UsdReference } from '../config/usd-reference.ts';
import type { UsdSource } from '../ledger/risk/snapshot.ts';
import { isUsdStablecoin, poolUsdPrice, type ReferencePoolState } from '../ledger/risk/usd-price.ts';
import type { Queryable } from '../store/types.ts';

/**
 * A base token's USD price from the reference pool ORION_USD_REFERENCE_POOLS names for it, read
 * from the market's stored state of that pool (market_pool), at the block the market is synced
 * to (market_sync). The latest known state, not the state at each execution's block: the store
 * keeps only each pool's current state, and a per-block read would need an archive node. The
 * USD figures are therefore the P&L marked at the snapshot's price, which is also what the
 * realized P&L, held in the base token, is worth when the snapshot is taken. Every way it can
 * fail is a reason, never a guess.
 */

type PoolRow = {
  address: string;
  protocol: 'uniswap-v2' | 'uniswap-v3';
  token0: string;
  token1: string;
  state: Record<string, unknown> | null;
  excluded_reason: string | null;
};

const POOL_COLUMNS = 'address, protocol, lower(token0) as token0, lower(token1) as token1, state, excluded_reason';

/** Lower-case addresses of the tokens `token` names on `chainId` (an address names itself; a symbol, every token with it). */
export async function addressesOf(db: Queryable, chainId: number, token: BaseToken): Promise<string[]> {
  if (token.type === 'address') return [token.address];
  const { rows } = await db.query<{ address: string }>('select lower(address) as address from market_token where chain_id = $1 and lower(symbol) = lower($2)', [chainId, token.symbol]);
  return rows.map((r) => r.address);
}

function label(token: BaseToken): string {
  return token.type === 'address' ? token.address : token.symbol;
}

/** The pools the reference names that hold `base`. */
async function candidatePools(db: Queryable, chainId: number, base: string, reference: UsdReference): Promise<PoolRow[]> {
  const { pool } = reference;
  if (pool.type === 'address') {
    const { rows } = await db.query<PoolRow>(`select ${POOL_COLUMNS} from market_pool where chain_id = $1 and lower(address) = $2`, [chainId, pool.address]);
    return rows;
  }
  const stables = await addressesOf(db, chainId, pool.stable);
  const { rows } = await db.query<PoolRow>(
    `select ${POOL_COLUMNS} from market_pool where chain_id = $1 and protocol = $2 and fee = $3
       and ((lower(token0) = $4 and lower(token1) = any($5::text[])) or (lower(token1) = $4 and lower(token0) = any($5::text[])))`,
    [chainId, pool.protocol, pool.fee, base, stables],
  );
  return rows;
}

/** The USD price of `base` on `chainId` through the configured references, or why there is none. */
export async function usdSourceOf(db: Queryable, chainId: number, base: string, references: readonly UsdReference[]): Promise<UsdSource | { reason: string }> {
  let reference: UsdReference | undefined;
  for (const candidate of references) if ((await addressesOf(db, chainId, candidate.token)).includes(base)) reference ??= candidate;
  if (reference === undefined) return { reason: 'no USD reference pool is configured for this token (ORION_USD_REFERENCE_POOLS)' };
  const pools = await candidatePools(db, chainId, base, reference);
  const named = `the USD reference pool ${reference.text}`;
  if (pools.length === 0) {
    return { reason: reference.pool.type === 'address' ? `${named} is not a pool of the market holding ${base}` : `${named}: the market has no ${reference.pool.protocol} pool of ${base} and ${label(reference.pool.stable)} with fee ${reference.pool.fee}` };
  }
  // A pool the market excludes (an unsafe token, a failing read) prices nothing; of the rest, exactly one must match.
  const usable = pools.filter((p) => p.excluded_reason === null);
  if (usable.length === 0) return { reason: `${named} (${pools[0]!.address}) is excluded from the market: ${pools[0]!.excluded_reason}` };
  if (usable.length > 1) return { reason: `${named} matches ${usable.length} pools (${usable.map((p) => p.address).join(', ')}): name the pool by its address` };
  const pool = usable[0]!;
  if (pool.token0 !== base && pool.token1 !== base) return { reason: `${named} (${pool.address}) does not hold ${base}` };
  const stable = pool.token0 === base ? pool.token1 : pool.token0;
  const { rows: [stableToken] } = await db.query<{ symbol: string; decimals_known: boolean }>('select symbol, decimals_known from market_token where chain_id = $1 and lower(address) = $2', [chainId, stable]);
  if (stableToken === undefined || !isUsdStablecoin(stableToken.symbol)) return { reason: `${named} (${pool.address}) prices in ${stableToken?.symbol ?? stable}, not a known USD stablecoin` };
  if (!stableToken.decimals_known) return { reason: `${named} (${pool.address}): the decimals of ${stableToken.symbol} are unknown` };
  if (pool.state === null) return { reason: `${named} (${pool.address}) has no state yet (not loaded)` };
  const state = (pool.protocol === 'uniswap-v2'
    ? { protocol: pool.protocol, reserve0: String(pool.state['reserve0']), reserve1: String(pool.state['reserve1']) }
    : { protocol: pool.protocol, sqrtPriceX96: String(pool.state['sqrtPriceX96']) }) satisfies ReferencePoolState;
  const price = poolUsdPrice(state, pool.token0 === base);
  if ('reason' in price) return { reason: `${named} (${pool.address}): ${price.reason}` };
  const { rows: [sync] } = await db.query<{ block: bigint }>('select block_number as block from market_sync where chain_id = $1', [chainId], { bigint: ['block'] });
  return { price, pool: pool.address.toLowerCase(), stable, block: sync?.block ?? null };
}
