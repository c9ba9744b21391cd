import fc from 'fast-check';
import { AmmError } from '../amm/errors.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../test/test-seed.ts';
import { Scanner } from './scanner.ts';
import { sizeV2Route } from './sizing.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import { bruteForceBest, closedMarket as market, logRateSum, routeOver, v3PoolFrom, v3Price, v3Spec } from './test-v3-pools.ts';
import { V3LiquidityBound } from './v3-bound.ts';
import { PiecewiseSizer } from './sizing-piecewise.ts';
import type { V3PoolSnapshot } from '../market/snapshot.ts';

/** Active liquidity a swap meets from the pool's state, tick by tick, recomputed from the map alone. */
function liquiditiesMet(pool: V3PoolSnapshot, zeroForOne: boolean, window: number): bigint[] {
  const seen = [pool.liquidity];
  let liquidity = pool.liquidity;
  const ticks = zeroForOne ? [...pool.ticks].reverse().filter((t) => t.tick <= pool.tick) : pool.ticks.filter((t) => t.tick > pool.tick);
  for (const { tick, liquidityNet } of ticks) {
    if (zeroForOne ? tick < pool.tick - window : tick > pool.tick + window) break;
    liquidity += zeroForOne ? -liquidityNet : liquidityNet;
    seen.push(liquidity);
  }
  return seen;
}

describe('V3 liquidity bound', () => {
  it('takes the largest liquidity a swap can meet within the window, either way', () => {
    fc.assert(
      fc.property(v3Spec({ minLiquidity: 1n, maxLiquidity: 10n ** 24n }), fc.boolean(), fc.integer({ min: 0, max: 3000 }), (spec, zeroForOne, window) => {
        const pool = v3PoolFrom(1, 0, 1, spec);
        const { v3 } = routeOver([pool]);
        const bound = new V3LiquidityBound(v3);
        const met = liquiditiesMet(pool, zeroForOne, window);
        const expected = met.reduce((m, l) => (l > m ? l : m), 0n);
        const got = bound.liquidityWithin(0, zeroForOne, window);
        // Past 64 initialized ticks the whole direction's maximum is taken: never less.
        if (met.length <= 65) expect(got).toBe(expected);
        else expect(got >= expected).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('answers every window and every state of the pool alike (a reach is kept per state and direction, then re-taken)', () => {
    let moved = 0;
    fc.assert(
      fc.property(v3Spec({ minLiquidity: 1n, maxLiquidity: 10n ** 24n }), fc.boolean(), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 6 }), fc.bigInt({ min: 1n, max: 10n ** 24n }), (spec, zeroForOne, windows, amount) => {
        const pool = v3PoolFrom(1, 0, 1, spec);
        const { v3 } = routeOver([pool]);
        const bound = new V3LiquidityBound(v3);
        const check = (state: V3PoolSnapshot): void => {
          for (const window of windows) {
            const met = liquiditiesMet(state, zeroForOne, window);
            if (met.length > 65) continue;
            expect(bound.liquidityWithin(0, zeroForOne, window)).toBe(met.reduce((m, l) => (l > m ? l : m), 0n));
          }
        };
        check(pool);
        // The pool takes a swap either way; the next queries must follow its new tick and liquidity.
        for (const direction of [zeroForOne, !zeroForOne]) {
          let after;
          try {
            after = swap(v3.get(0), direction, amount);
          } catch (error) {
            if (error instanceof AmmError) continue;
            throw error;
          }
          v3.set(0, { sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity });
          if (after.tick !== pool.tick) moved++;
          check({ ...pool, sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity });
        }
      }),
      { numRuns: 300 },
    );
    expect(moved).toBeGreaterThan(50);
  });

  it('is at least the brute-force optimum on small random cycles (random tick maps, both directions, 2 and 3 hops)', () => {
    let profitable = 0;
    fc.assert(
      fc.property(
        fc.boolean(),
        v3Spec({ minLiquidity: 1000n, maxLiquidity: 8000n, span: 20, spacings: [60], fees: [500, 3000] }),
        v3Spec({ minLiquidity: 1000n, maxLiquidity: 8000n, span: 20, spacings: [60], fees: [500, 3000] }),
        fc.bigInt({ min: 200n, max: 1500n }),
        fc.integer({ min: 850, max: 1150 }),
        (threeHop, specA, specB, reserve, permille) => {
          const { table, cycles, v3, route } = routeOver(market(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
          const bound = new V3LiquidityBound(v3);
          for (let c = 0; c < cycles.count; c++) {
            route.load(c);
            const best = bruteForceBest(route);
            const sum = logRateSum(table, cycles, c);
            // The screen drops a cycle whose first wei loses: nothing may profit there.
            if (!(sum > 0)) {
              expect(best).toBe(0n);
              continue;
            }
            if (best > 0n) profitable++;
            expect(bound.profitBound(route, sum, 0n, 1n << 112n)).toBeGreaterThanOrEqual(best);
            // The float key the scanner ranks by (when defined) covers it too.
            expect(bound.profitKey(table, cycles, c, sum, 0, 2 ** 112) ?? Infinity).toBeGreaterThanOrEqual(Number(best));
          }
        },
      ),
      { numRuns: 90 },
    );
    expect(profitable).toBeGreaterThan(3);
  });

  it('is at least the exact profit at any input on deep random cycles (and at the sized optimum), with a flash fee and a cap', () => {
    const deep = v3Spec({ minLiquidity: 10n ** 15n, maxLiquidity: 10n ** 24n });
    const seed = testSeed();
    let checked = 0;
    fc.assert(
      fc.property(
        fc.boolean(),
        deep,
        deep,
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }),
        fc.integer({ min: 850, max: 1150 }),
        fc.constantFrom(0n, 500n),
        fc.constantFrom(1n << 112n, 10n ** 18n),
        fc.array(fc.double({ min: 3, max: 26, noNaN: true }), { minLength: 20, maxLength: 20 }),
        (threeHop, specA, specB, reserve, permille, flashFeePips, maxIn, exponents) => {
          const { table, cycles, v3, route } = routeOver(market(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
          const bound = new V3LiquidityBound(v3);
          const sizer = new PiecewiseSizer(v3);
          for (let c = 0; c < cycles.count; c++) {
            const sum = logRateSum(table, cycles, c);
            if (!(sum > 0)) continue;
            route.load(c);
            const limit = bound.profitBound(route, sum, flashFeePips, maxIn);
            // The float key the scanner ranks by is never below the exact bound (nor, then, below any profit).
            expect(bound.profitKey(table, cycles, c, sum, Number(flashFeePips), Number(maxIn)) ?? Infinity).toBeGreaterThanOrEqual(Number(limit));
            const profitAt = (x: bigint): bigint => route.out(x) - x - (x * flashFeePips + 999_999n) / 1_000_000n;
            for (const e of exponents) {
              const x = BigInt(Math.floor(10 ** e));
              if (x <= maxIn) expect(limit).toBeGreaterThanOrEqual(profitAt(x));
            }
            const sized = sizer.size(route, { flashFeePips, maxIn });
            if (sized !== undefined) {
              checked++;
              expect(limit).toBeGreaterThanOrEqual(sized.profit);
            }
          }
        },
      ),
      { numRuns: 150, seed },
    );
    expect(checked, `sized cycles checked (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(20);
  });
});

describe('ranking routes with V3 hops by the bound', () => {
  it('gives the top opportunities that sizing every cycle exactly gives', () => {
    const deep = v3Spec({ minLiquidity: 10n ** 16n, maxLiquidity: 10n ** 21n, span: 30 });
    let compared = 0;
    fc.assert(
      fc.property(fc.array(deep, { minLength: 3, maxLength: 3 }), fc.array(fc.integer({ min: 900, max: 1100 }), { minLength: 3, maxLength: 3 }), fc.bigInt({ min: 10n ** 17n, max: 10n ** 21n }), (specs, permilles, reserve) => {
        // T0..T2 joined by V3 pools and by V2 pools priced off them: 2- and 3-hop cycles of every mix.
        const v3s = [v3PoolFrom(1, 0, 1, specs[0]!), v3PoolFrom(2, 1, 2, specs[1]!), v3PoolFrom(3, 0, 2, specs[2]!)];
        const v2s = v3s.map((pool, i) => {
          const [a, b] = [Number(BigInt(pool.token0.address)) - 1, Number(BigInt(pool.token1.address)) - 1];
          return testPool(10 + i, a, b, reserve, BigInt(Math.max(1, Math.floor((Number(reserve) * v3Price(pool) * permilles[i]!) / 1000))));
        });
        const pools = [...v3s, ...v2s];
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address] });
        scanner.scanAll(false);
        const { cycles, v3, route } = routeOver(pools);
        const sizer = new PiecewiseSizer(v3);
        const expected: { cycle: number; profit: bigint }[] = [];
        for (let c = 0; c < cycles.count; c++) {
          route.load(c);
          const sized = cycles.allV2[c] === 1 ? sizeV2Route(route, { flashFeePips: 0n, maxIn: (1n << 112n) - 1n }) : sizer.size(route, { flashFeePips: 0n, maxIn: (1n << 112n) - 1n });
          if (sized !== undefined) expected.push({ cycle: c, profit: sized.profit });
        }
        expected.sort((a, b) => (a.profit === b.profit ? a.cycle - b.cycle : a.profit > b.profit ? -1 : 1));
        const top = scanner.top(3);
        compared += top.length;
        expect(top.map((o) => [o.cycle, o.profit])).toEqual(expected.slice(0, 3).map((e) => [e.cycle, e.profit]));
      }),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(30);
  });
});
