import type { RiskCapital } from '../config/risk-capital.ts';
import type { Queryable } from '../store/types.ts';
import { addressesOf } from './usd-reference.ts';

/**
 * A base token's capital (ORION_RISK_CAPITAL, token units) in base units, scaled by the token's
 * decimals in the market: exact or refused with a reason (more fraction digits than the token
 * has, unknown decimals), never rounded. Undefined when none is configured for the token.
 */
export async function capitalOf(db: Queryable, chainId: number, base: string, capital: readonly RiskCapital[]): Promise<bigint | { reason: string } | undefined> {
  let entry: RiskCapital | undefined;
  for (const candidate of capital) if ((await addressesOf(db, chainId, candidate.token)).includes(base)) entry ??= candidate;
  if (entry === undefined) return undefined;
  const { rows: [token] } = await db.query<{ decimals: number; decimals_known: boolean }>('select decimals, decimals_known from market_token where chain_id = $1 and lower(address) = $2', [chainId, base]);
  if (token === undefined || !token.decimals_known) return { reason: `the capital ${entry.text} cannot be scaled: the token's decimals are unknown` };
  const [whole, fraction = ''] = entry.amount.split('.');
  if (fraction.length > Number(token.decimals)) return { reason: `the capital ${entry.text} has more decimals than the token (${token.decimals})` };
  return BigInt(whole! + fraction.padEnd(Number(token.decimals), '0'));
}
