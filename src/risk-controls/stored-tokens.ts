import { TokenDirectory } from '../format/symbols.ts';
import type { Queryable } from '../store/types.ts';

/**
 * The followed chain and its tokens as the database holds them (the market sync wrote them):
 * what `orion limits set` reads symbols against while the server is stopped.
 */
export async function storedMarket(db: Queryable): Promise<{ chainId: number; tokens: TokenDirectory } | undefined> {
  const chain = await db.query<{ chain_id: bigint }>('select chain_id from limits order by version desc limit 1');
  const chainId = chain.rows[0]?.chain_id;
  if (chainId === undefined) return undefined;
  const { rows } = await db.query<{ address: `0x${string}`; symbol: string; decimals: number }>(
    'select address, symbol, decimals from market_token where chain_id = $1 and unsafe_reason is null order by address', [chainId],
  );
  return { chainId: Number(chainId), tokens: new TokenDirectory(rows) };
}
