import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmmError } from '../amm/errors.ts';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { getAmount0Delta, getAmount1Delta } from '../amm/uniswap-v3/sqrt-price-math.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { swapModel, v3PoolOfPositions, type TestPosition } from './test-positions.ts';
import { buildPoolTable } from './pool-table.ts';
import { v3PoolFrom } from './test-v3-pools.ts';
import { buildTokenTable } from './tokens.ts';
import { V3LenderCapacity } from './v3-lender-capacity.ts';
import { V3Pools } from './v3-pools.ts';

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

describe('V3 lender capacity across the engine\'s per-swap snapshots', () => {
  it('keeps its range sums while a pool only swaps (the same tick map handed over again), and follows a Mint', () => {
    const spec = { tickSpacing: 1, fee: 500, tickSteps: 0, within: 0.5, positions: [{ lower: -30, width: 60, liquidity: 10n ** 20n }, { lower: -5, width: 10, liquidity: 3n * 10n ** 20n }] };
    const pool = v3PoolFrom(1, 0, 1, spec);
    const pools = [pool];
    const tokens = buildTokenTable(pools);
    const v3 = new V3Pools(buildPoolTable(pools, tokens), pools);
    const capacity = new V3LenderCapacity(v3);
    const mapBefore = v3.get(0).ticks;
    const before = capacity.of(0, true);
    // A Swap: the engine hands over the pool's whole snapshot again, the same map in new objects.
    const moved = swap(v3.get(0), true, 10n ** 15n);
    v3.set(0, { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity, ticks: pool.ticks.map((t) => ({ ...t })) });
    expect(v3.get(0).ticks).toBe(mapBefore);
    // What it pays out of token1 came from below the price; token0 came in: the bound follows the price.
    expect(capacity.of(0, true)).toBe(fresh(v3, 0, true));
    expect(capacity.of(0, false)).toBe(fresh(v3, 0, false));
    expect(capacity.of(0, true)).toBeGreaterThan(before);
    // A Mint above the price: a new map, and more token0 to lend, exactly what a fresh count says.
    const beforeMint = capacity.of(0, true);
    const minted = [...pool.ticks.map((t) => ({ ...t })), { tick: 100, liquidityNet: 10n ** 20n }, { tick: 200, liquidityNet: -(10n ** 20n) }];
    v3.set(0, { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity, ticks: minted });
    expect(v3.get(0).ticks).not.toBe(mapBefore);
    expect(capacity.of(0, true)).toBe(fresh(v3, 0, true));
    // The new range [100, 200) lies above the price and every other range: exactly its token0 more.
    expect(capacity.of(0, true) - beforeMint).toBe(getAmount0Delta(getSqrtRatioAtTick(100), getSqrtRatioAtTick(200), 10n ** 20n, false));
  });
});

/** The capacity counted from scratch, by a new counter with nothing cached. */
function fresh(v3: V3Pools, pool: number, token0: boolean): bigint {
  return new V3LenderCapacity(v3).of(pool, token0);
}
