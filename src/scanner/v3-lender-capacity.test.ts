import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmmError } from '../amm/errors.ts';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { getAmount0Delta, getAmount1Delta } from '../amm/uniswap-v3/sqrt-price-math.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { swapModel, v3PoolOfPositions, type TestPosition } from './test-positions.ts';
import { V3LenderCapacity } from './v3-lender-capacity.ts';

/** Random positions around tick 0 (the pool's price), spacing 1/10/60. */
const markets = fc
  .record({
    spacing: fc.constantFrom(1, 10, 60),
    positions: fc.array(fc.record({ lower: fc.integer({ min: -200, max: 200 }), width: fc.integer({ min: 1, max: 100 }), liquidity: fc.bigInt({ min: 1n, max: 10n ** 24n }) }), { minLength: 1, maxLength: 30 }),
  })
  .map(({ spacing, positions }) => positions.map((p): TestPosition => ({ lower: p.lower * spacing, upper: (p.lower + p.width) * spacing, liquidity: p.liquidity })));

/** What the pool holds: each position's deposit at the price, rounded up as the pool takes it. */
function balances(positions: readonly TestPosition[]): [bigint, bigint] {
  const price = getSqrtRatioAtTick(0);
  let token0 = 0n;
  let token1 = 0n;
  for (const p of positions) {
    const lower = getSqrtRatioAtTick(p.lower);
    const upper = getSqrtRatioAtTick(p.upper);
    if (upper > price) token0 += getAmount0Delta(lower > price ? lower : price, upper, p.liquidity, true);
    if (lower < price) token1 += getAmount1Delta(lower, upper < price ? upper : price, p.liquidity, true);
  }
  return [token0, token1];
}

/** What a swap to the end of the tick map pays out of the token (the whole swap loop). */
function drained(pool: V3SwapPool, token0: boolean): bigint {
  try {
    const r = swap(pool, !token0, -(1n << 200n));
    return token0 ? -r.amount0 : -r.amount1;
  } catch (error) {
    if (error instanceof AmmError) return 0n;
    throw error;
  }
}

describe('V3 lender capacity', () => {
  it("lies between what a swap to the end of the tick map pays out and the pool's balance, for either token, and follows the price", () => {
    fc.assert(
      fc.property(markets, fc.bigInt({ min: 1n, max: 10n ** 22n }), fc.boolean(), (positions, move, direction) => {
        const snapshot = v3PoolOfPositions(0, 0, 1, 500, 1, positions);
        let pool = swapModel(snapshot);
        const capacity = new V3LenderCapacity({ get: () => pool });
        const [balance0, balance1] = balances(positions);
        for (const token0 of [true, false]) {
          const cap = capacity.of(0, token0);
          expect(cap).toBeLessThanOrEqual(token0 ? balance0 : balance1);
          expect(cap).toBeGreaterThanOrEqual(drained(pool, token0));
        }
        // After a swap the pool holds more of what came in and less of what went out; the bound follows.
        let moved;
        try {
          moved = swap(pool, direction, move);
        } catch (error) {
          if (error instanceof AmmError) return;
          throw error;
        }
        pool = { ...pool, sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
        for (const token0 of [true, false]) {
          const cap = capacity.of(0, token0);
          const held = (token0 ? balance0 + moved.amount0 : balance1 + moved.amount1);
          expect(cap).toBeLessThanOrEqual(held);
          expect(cap).toBeGreaterThanOrEqual(drained(pool, token0));
        }
      }),
      { numRuns: 80 },
    );
  });
});
