import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TickEntry } from '../market/snapshot.ts';
import { positionsForTickMap, tickMapOfPositions } from './tick-positions.ts';
import { poolDifference } from './verify.ts';

/** A valid tick map: sorted distinct ticks, non-zero nets, running sum >= 0, ending at 0. */
const tickMap = fc
  .array(fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.bigInt({ min: 1n, max: 1n << 100n })), { minLength: 1, maxLength: 40 })
  .map((ranges) => {
    // Sum of random positive positions is always a valid map.
    const net = new Map<number, bigint>();
    for (const [start, liquidity] of ranges) {
      const lower = start * 10;
      const upper = lower + 10 * (1 + (Number(liquidity % 50n)));
      net.set(lower, (net.get(lower) ?? 0n) + liquidity);
      net.set(upper, (net.get(upper) ?? 0n) - liquidity);
    }
    return [...net.entries()].filter(([, v]) => v !== 0n).sort(([a], [b]) => a - b).map(([tick, liquidityNet]): TickEntry => ({ tick, liquidityNet }));
  });

describe('positionsForTickMap', () => {
  it('rebuilds every tick map exactly, with positive liquidity and at most one position per range', () => {
    fc.assert(
      fc.property(tickMap, (ticks) => {
        const positions = positionsForTickMap(ticks);
        expect(tickMapOfPositions(positions)).toEqual(ticks);
        expect(positions.length).toBeLessThanOrEqual(Math.max(0, ticks.length - 1));
        for (const p of positions) {
          expect(p.liquidity).toBeGreaterThan(0n);
          expect(p.tickLower).toBeLessThan(p.tickUpper);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('skips an empty range between two separate liquidity islands', () => {
    const ticks = [
      { tick: -20, liquidityNet: 5n }, { tick: -10, liquidityNet: -5n },
      { tick: 10, liquidityNet: 7n }, { tick: 30, liquidityNet: -7n },
    ];
    expect(positionsForTickMap(ticks)).toEqual([
      { tickLower: -20, tickUpper: -10, liquidity: 5n },
      { tickLower: 10, tickUpper: 30, liquidity: 7n },
    ]);
  });
});

describe('poolDifference', () => {
  const token0 = { address: '0x0000000000000000000000000000000000000001' as const, symbol: 'A', decimals: 18 };
  const token1 = { address: '0x0000000000000000000000000000000000000002' as const, symbol: 'B', decimals: 6 };
  const v3 = {
    protocol: 'uniswap-v3' as const, address: '0x00000000000000000000000000000000000000aa' as const, fee: 500, tickSpacing: 10,
    token0, token1, sqrtPriceX96: 79228162514264337593543950336n, liquidity: 5n, tick: 0,
    ticks: [{ tick: -10, liquidityNet: 5n }, { tick: 10, liquidityNet: -5n }],
  };

  it('names the first field that differs', () => {
    expect(poolDifference(v3, v3)).toBeUndefined();
    expect(poolDifference(v3, { ...v3, liquidity: 4n })).toBe('liquidity is 4, expected 5');
    expect(poolDifference(v3, { ...v3, tick: 1 })).toBe('tick is 1, expected 0');
    expect(poolDifference(v3, { ...v3, ticks: [v3.ticks[0]!, { tick: 10, liquidityNet: -4n }] })).toBe('liquidityNet at tick 10 is -4, expected -5');
    expect(poolDifference(v3, { ...v3, ticks: [...v3.ticks, { tick: 20, liquidityNet: 1n }] })).toMatch(/initialized tick #2 is 20, expected none/);
    const v2 = { protocol: 'uniswap-v2' as const, address: v3.address, fee: 3000, token0, token1, reserve0: 1n, reserve1: 2n };
    expect(poolDifference(v2, { ...v2, reserve1: 3n })).toBe('reserve1 is 3, expected 2');
  });
});
