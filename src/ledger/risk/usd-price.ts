import { InputError } from '../../errors.ts';
import type { Trade } from './pnl-series.ts';

/**
 * The price of a base token in a USD stablecoin, read from one pool's state as an exact
 * fraction of base units: `numerator / denominator` stablecoin base units per base-token base
 * unit. One unit of the stablecoin is taken as one US dollar. The price is the pool's mid price
 * (no fee, no price impact): what a valuation uses, not what a trade would get.
 */
export interface UsdPrice {
  numerator: bigint;
  denominator: bigint;
}

/** A pool's state as the market stores it (amounts as decimal strings). */
export type ReferencePoolState =
  | { protocol: 'uniswap-v2'; reserve0: string; reserve1: string }
  | { protocol: 'uniswap-v3'; sqrtPriceX96: string };

const Q192 = 2n ** 192n;

/**
 * The price of `base` (token0 when `baseIsToken0`) in the pool's other token: V2 from the
 * reserves (reserve of the other token over reserve of base), V3 from sqrtPriceX96
 * (token1 per token0 = sqrtPriceX96² / 2¹⁹², inverted when base is token1). Null with a reason
 * when the pool cannot price (an empty reserve, a zero price).
 */
export function poolUsdPrice(state: ReferencePoolState, baseIsToken0: boolean): UsdPrice | { reason: string } {
  if (state.protocol === 'uniswap-v2') {
    const [r0, r1] = [BigInt(state.reserve0), BigInt(state.reserve1)];
    if (r0 <= 0n || r1 <= 0n) return { reason: 'the reference pool has an empty reserve' };
    return baseIsToken0 ? { numerator: r1, denominator: r0 } : { numerator: r0, denominator: r1 };
  }
  const sqrt = BigInt(state.sqrtPriceX96);
  if (sqrt <= 0n) return { reason: 'the reference pool has no price (sqrtPriceX96 is 0)' };
  const squared = sqrt * sqrt;
  return baseIsToken0 ? { numerator: squared, denominator: Q192 } : { numerator: Q192, denominator: squared };
}

/**
 * `amount` base units of the base token in stablecoin base units: amount × numerator /
 * denominator in exact integers, one division at the end, truncated toward zero (BigInt
 * division), so a USD figure is never larger in size than the exact value, by less than one
 * stablecoin base unit (10⁻⁶ USD for USDC).
 */
export function toUsd(amount: bigint, price: UsdPrice): bigint {
  if (price.denominator <= 0n || price.numerator < 0n) throw new InputError(`a USD price must be a non-negative fraction with a positive denominator, got ${price.numerator}/${price.denominator}`);
  return (amount * price.numerator) / price.denominator;
}

/** The trades with each P&L converted to stablecoin base units at `price`. */
export function tradesInUsd(trades: readonly Trade[], price: UsdPrice): Trade[] {
  return trades.map((t) => ({ timestamp: t.timestamp, pnl: toUsd(t.pnl, price) }));
}

/**
 * Symbols taken as US-dollar stablecoins (case-insensitive): a reference pool's other token must
 * be one of them, so a pool named by mistake (WETH/cbBTC) never turns into a "USD" figure.
 */
export const USD_STABLECOINS: readonly string[] = ['USDC', 'USDT', 'DAI', 'USDBC', 'USDC.E', 'USDT.E', 'USDS', 'USDE', 'PYUSD', 'FRAX', 'LUSD', 'TUSD', 'GUSD', 'USDP', 'FDUSD', 'GHO', 'CRVUSD'];

/** Whether `symbol` is one of {@link USD_STABLECOINS}. */
export function isUsdStablecoin(symbol: string): boolean {
  return USD_STABLECOINS.includes(symbol.toUpperCase());
}
