import type { TokenDirectory } from '../format/symbols.ts';
import { exactTokenAmount } from '../format/token-amount.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { Queryable } from '../store/index.ts';

/**
 * The profit counters, never two scales in one series. `orion_profit_total` is in token units
 * and labelled by the token's label ("WETH"); a token whose decimals are unknown — the market
 * could not read its decimals() (stored with decimals 0, `market_token.decimals_known` false), or
 * a token the market does not have at all — has no token units: its profit goes to
 * `orion_profit_base_units_total` in base units, labelled by its full lower-case address (a short
 * label could be shared by two such tokens of different scales). Before, such a token was read as
 * 0 decimals, so 1 unit of an 18-decimals token counted 10^18 in the token-units series and in
 * every sum over it. The same rule as the desk's amounts (`decimals: null`, base units).
 */

/** Adds a gain of `amount` base units of `token` to the profit counter of its scale. */
export function countProfit(metrics: Metrics, labels: { mode: string; kind: 'simulated' | 'realized' }, tokens: TokenDirectory, token: string, amount: bigint): void {
  const { mode, kind } = labels;
  const decimals = tokens.decimals(token);
  if (decimals === undefined) {
    metrics.inc('profitBaseUnits', { mode, token: token.toLowerCase(), kind }, Number(amount));
    return;
  }
  metrics.inc('profit', { mode, token: tokens.label(token), kind }, Number(exactTokenAmount(amount, decimals)));
}

/** The (lower-case) addresses of chain `chainId` whose decimals the market could not read (`market_token`): the TokenDirectory's `decimalsUnknown`. */
export async function loadDecimalsUnknown(db: Queryable, chainId: number): Promise<Set<string>> {
  const { rows } = await db.query<{ address: string }>('select lower(address) as address from market_token where chain_id = $1 and not decimals_known', [chainId]);
  return new Set(rows.map((row) => row.address));
}
