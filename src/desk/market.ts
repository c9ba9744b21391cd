import { formatTokenAmount } from '../format/token-amount.ts';
import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { Conditions } from './query-builder.ts';

/**
 * The followed market as the desk explores it: pools (identity, fee, state with reserves in
 * token units, or why a pool is excluded) and tokens (symbol, decimals, the safety verdict).
 * Keyset pages by address (the tables' key), ascending.
 */

/** Filters of the pool list. */
export interface PoolFilter {
  limit: number;
  after?: string;
  chainId?: number;
  protocol?: 'uniswap-v2' | 'uniswap-v3';
  /** Pools with this token on either side. */
  token?: string;
  status?: 'loaded' | 'excluded' | 'pending';
}

/** A pool as the desk shows it. */
export interface PoolView {
  chainId: number;
  address: string;
  protocol: string;
  pair: string;
  token0: TokenRef;
  token1: TokenRef;
  /** Fee in pips (3000 = 0.30 %) and as a percentage for people. */
  fee: { pips: number; percent: string };
  tickSpacing: number | null;
  status: 'loaded' | 'excluded' | 'pending';
  excludedReason: string | null;
  reserves: { token0: Amount; token1: Amount } | null;
  v3: { sqrtPriceX96: string; tick: number; liquidity: string; initializedTicks: number } | null;
}

/** A token as the desk shows it. */
export interface TokenView {
  chainId: number;
  address: string;
  symbol: string;
  /** The symbol as shown everywhere (with a short address when another token shares it). */
  label: string;
  name: string | null;
  decimals: number;
  decimalsKnown: boolean;
  unsafeReason: string | null;
}

/** Fee pips as a percentage: 3000 → "0.3". */
const feePercent = (pips: number): string => formatTokenAmount(BigInt(pips), 4, 6);

/** A page of pools matching `filter`. */
export async function listPools(db: Queryable, filter: PoolFilter): Promise<{ rows: PoolView[]; nextCursor: string | null }> {
  const where = new Conditions()
    .add('chain_id = $?', filter.chainId)
    .add('protocol = $?', filter.protocol)
    .add('address > $?', filter.after?.toLowerCase());
  if (filter.token !== undefined) where.add('$? in (token0, token1)', filter.token.toLowerCase());
  if (filter.status === 'loaded') where.when('state is not null');
  if (filter.status === 'excluded') where.when('excluded_reason is not null');
  if (filter.status === 'pending') where.when('state is null and excluded_reason is null');
  const { rows } = await db.query(`select * from market_pool ${where.sql} order by address limit ${where.bind(filter.limit + 1)}`, where.params);
  const kept = rows.slice(0, filter.limit);
  const tokens = await loadDeskTokens(db, tokensOf(kept, (r) => ({ chainId: Number(r['chain_id']), tokens: [r['token0'] as string, r['token1'] as string] })));
  const views = kept.map((r): PoolView => {
    const chainId = Number(r['chain_id']);
    const [t0, t1] = [r['token0'] as string, r['token1'] as string];
    const state = r['state'] as Record<string, unknown> | null;
    const excluded = r['excluded_reason'] as string | null;
    const v2 = r['protocol'] === 'uniswap-v2';
    return {
      chainId, address: r['address'] as string, protocol: r['protocol'] as string, pair: tokens.route(chainId, [t0, t1]).replace('>', '/'),
      token0: tokens.token(chainId, t0), token1: tokens.token(chainId, t1),
      fee: { pips: Number(r['fee']), percent: feePercent(Number(r['fee'])) },
      tickSpacing: r['tick_spacing'] === null ? null : Number(r['tick_spacing']),
      status: state !== null ? 'loaded' : excluded !== null ? 'excluded' : 'pending',
      excludedReason: excluded,
      reserves: state !== null && v2 ? { token0: tokens.amount(chainId, t0, BigInt(state['reserve0'] as string)), token1: tokens.amount(chainId, t1, BigInt(state['reserve1'] as string)) } : null,
      v3: state !== null && !v2
        ? { sqrtPriceX96: String(state['sqrtPriceX96']), tick: Number(state['tick']), liquidity: String(state['liquidity']), initializedTicks: (state['ticks'] as unknown[]).length }
        : null,
    };
  });
  return { rows: views, nextCursor: rows.length > filter.limit && kept.length > 0 ? (kept[kept.length - 1]!['address'] as string) : null };
}

/** Filters of the token list. */
export interface TokenFilter {
  limit: number;
  after?: string;
  chainId?: number;
  /** Symbol, any case. */
  symbol?: string;
  unsafe?: boolean;
}

/** A page of tokens matching `filter`. */
export async function listTokens(db: Queryable, filter: TokenFilter): Promise<{ rows: TokenView[]; nextCursor: string | null }> {
  const where = new Conditions()
    .add('chain_id = $?', filter.chainId)
    .add('lower(symbol) = $?', filter.symbol?.toLowerCase())
    .add('address > $?', filter.after?.toLowerCase());
  if (filter.unsafe === true) where.when('unsafe_reason is not null');
  if (filter.unsafe === false) where.when('unsafe_reason is null');
  const { rows } = await db.query(`select * from market_token ${where.sql} order by address limit ${where.bind(filter.limit + 1)}`, where.params);
  const kept = rows.slice(0, filter.limit);
  const tokens = await loadDeskTokens(db, tokensOf(kept, (r) => ({ chainId: Number(r['chain_id']), tokens: [r['address'] as string] })));
  const views = kept.map((r): TokenView => ({
    chainId: Number(r['chain_id']), address: r['address'] as string, symbol: r['symbol'] as string, label: tokens.token(Number(r['chain_id']), r['address'] as string).symbol,
    name: r['name'] as string | null, decimals: Number(r['decimals']), decimalsKnown: r['decimals_known'] as boolean, unsafeReason: r['unsafe_reason'] as string | null,
  }));
  return { rows: views, nextCursor: rows.length > filter.limit && kept.length > 0 ? (kept[kept.length - 1]!['address'] as string) : null };
}
