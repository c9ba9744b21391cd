import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { poolUsdPrice, toUsd, tradesInUsd, type UsdPrice } from './usd-price.ts';

/**
 * USD conversion against hand computations from the pools' own numbers: the default devnet
 * market's WETH/USDC pools (Base, 2024-11-01; WETH token0 with 18 decimals, USDC token1 with 6),
 * and dyadic prices whose results are exact by hand. Every converted figure must be the floor
 * (toward zero) of the exact product: checked by the defining inequality, not by the formula.
 */

const SNAPSHOT = JSON.parse(readFileSync(new URL('../../devnet/default-snapshot.json', import.meta.url), 'utf8')) as { pools: Array<Record<string, unknown> & { address: string }> };
const pool = (address: string): Record<string, unknown> => SNAPSHOT.pools.find((p) => p.address === address)!;
const ONE_WETH = 10n ** 18n;

function price(p: ReturnType<typeof poolUsdPrice>): UsdPrice {
  if ('reason' in p) throw new Error(p.reason);
  return p;
}

describe('poolUsdPrice and toUsd', () => {
  it('V2: 1 WETH in USDC from the reserves of the default market\'s WETH/USDC pool, floored', () => {
    const v2 = pool('0x88a43bbdf9d098eec7bceda4e2494615dfd9bb9c');
    const [r0, r1] = [BigInt(v2['reserve0'] as string), BigInt(v2['reserve1'] as string)]; // 401.86 WETH, 1,013,533 USDC
    const usd = toUsd(ONE_WETH, price(poolUsdPrice({ protocol: 'uniswap-v2', reserve0: String(r0), reserve1: String(r1) }, true)));
    // Hand: 1,013,533.095573 USDC / 401.864362261338713901 WETH ≈ 2,522.08 USDC per WETH.
    expect(Number(usd) / 1e6).toBeGreaterThan(2522.07);
    expect(Number(usd) / 1e6).toBeLessThan(2522.09);
    // The floor: usd·r0 ≤ 10¹⁸·r1 < (usd + 1)·r0.
    expect(usd * r0 <= ONE_WETH * r1 && ONE_WETH * r1 < (usd + 1n) * r0).toBe(true);
  });

  it('V3: 1 WETH in USDC from the sqrtPriceX96 of the default market\'s WETH/USDC 0.3 % pool, floored', () => {
    const s = BigInt(pool('0x6c561b446416e1a00e8e93e221854d6ea4171372')['sqrtPriceX96'] as string);
    const usd = toUsd(ONE_WETH, price(poolUsdPrice({ protocol: 'uniswap-v3', sqrtPriceX96: String(s) }, true)));
    // Hand: (3976563646168943069779197 / 2⁹⁶)² = (5.0191…·10⁻⁵)² = 2.5192…·10⁻⁹ USDC base units per wei → ≈ 2,519.2 USDC per WETH.
    const approx = (Number(s) / 2 ** 96) ** 2 * 1e18;
    expect(Math.abs(Number(usd) - approx)).toBeLessThan(1);
    expect(Number(usd) / 1e6).toBeGreaterThan(2519);
    expect(Number(usd) / 1e6).toBeLessThan(2520);
    const q192 = 2n ** 192n;
    expect(usd * q192 <= ONE_WETH * s * s && ONE_WETH * s * s < (usd + 1n) * q192).toBe(true);
  });

  it('dyadic prices exact by hand, either token order, negative P&L truncated toward zero', () => {
    // sqrtPriceX96 = 45·2⁸¹: √P = 45/2¹⁵, P = 2,025/2³⁰ token1 base units per token0 base unit.
    const p = price(poolUsdPrice({ protocol: 'uniswap-v3', sqrtPriceX96: String(45n * 2n ** 81n) }, true));
    expect(toUsd(2n ** 30n, p)).toBe(2025n);
    expect(toUsd(3n * 2n ** 30n, p)).toBe(6075n);
    expect(toUsd(2n ** 29n + 1n, p)).toBe(1012n); // 1,012.5000019 → 1,012
    expect(toUsd(-(2n ** 29n) - 1n, p)).toBe(-1012n); // toward zero, not −1,013
    // sqrtPriceX96 = 2¹⁰⁰: P = 2⁸ = 256 token1 per token0; base is token1: 1/256 token0 per unit.
    const inverted = price(poolUsdPrice({ protocol: 'uniswap-v3', sqrtPriceX96: String(2n ** 100n) }, false));
    expect([toUsd(256n, inverted), toUsd(255n, inverted), toUsd(-1000n, inverted)]).toEqual([1n, 0n, -3n]);
    // V2 with base as token1: reserve0 / reserve1.
    const v2 = price(poolUsdPrice({ protocol: 'uniswap-v2', reserve0: '3000000000', reserve1: '1500000000000000000' }, false));
    expect(toUsd(ONE_WETH, v2)).toBe(2_000_000_000n);
    expect(tradesInUsd([{ timestamp: 5, pnl: -(ONE_WETH / 4n) }], v2)).toEqual([{ timestamp: 5, pnl: -500_000_000n }]);
  });

  it('a pool that cannot price gives a reason, not a number', () => {
    expect(poolUsdPrice({ protocol: 'uniswap-v2', reserve0: '0', reserve1: '5' }, true)).toEqual({ reason: 'the reference pool has an empty reserve' });
    expect(poolUsdPrice({ protocol: 'uniswap-v3', sqrtPriceX96: '0' }, false)).toEqual({ reason: 'the reference pool has no price (sqrtPriceX96 is 0)' });
    expect(() => toUsd(1n, { numerator: 1n, denominator: 0n })).toThrow(/positive denominator/);
  });
});
