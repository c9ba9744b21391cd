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

/** The pool's state after a swap, or undefined when the pool refuses it (its price at the limit). */
function swapOrRefused(pool: Parameters<typeof swap>[0], zeroForOne: boolean, amount: bigint): ReturnType<typeof swap> | undefined {
  try {
    return swap(pool, zeroForOne, amount);
  } catch (error) {
    if (error instanceof AmmError) return undefined;
    throw error;
  }
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
          const after = swapOrRefused(v3.get(0), direction, amount);
          if (after === undefined) continue;
          v3.set(0, { sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity });
          if (after.tick !== pool.tick) moved++;
          check({ ...pool, sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity });
        }
      }),
      { numRuns: 300 },
    );
    expect(moved).toBeGreaterThan(50);
  });

  it('gives the same float reserves and span from what it keeps per pool state as from the liquidities met and from a fresh bound, as the pool moves', () => {
    let kept = 0;
    let reshaped = 0;
    fc.assert(
      fc.property(v3Spec({ minLiquidity: 1n, maxLiquidity: 10n ** 24n }), fc.boolean(), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: 10n ** 22n })), { maxLength: 4 }), (spec, zeroForOne, windows, swaps) => {
        const pool = v3PoolFrom(1, 0, 1, spec);
        const { v3 } = routeOver([pool]);
        const bound = new V3LiquidityBound(v3);
        const out = new Float64Array(4);
        const fresh = new Float64Array(4);
        const check = (): void => {
          const state = v3.get(0);
          const s = Number(state.sqrtPriceX96) / 2 ** 96;
          // Each window twice: the second answer comes from what the first kept, when within its span.
          for (const window of [...windows, ...windows]) {
            bound.floatReserves(0, zeroForOne, window, out);
            new V3LiquidityBound(v3).floatReserves(0, zeroForOne, window, fresh);
            expect(Array.from(out)).toEqual(Array.from(fresh));
            expect(window >= out[2]! && window < out[3]!).toBe(true);
            // Just past the span's end and at its start (which it includes), after the answer above was kept.
            for (const edge of [out[3]!, out[2]!]) {
              if (!Number.isFinite(edge)) continue;
              bound.floatReserves(0, zeroForOne, window, out);
              const [atEdge, expected] = [new Float64Array(4), new Float64Array(4)];
              bound.floatReserves(0, zeroForOne, edge, atEdge);
              new V3LiquidityBound(v3).floatReserves(0, zeroForOne, edge, expected);
              expect(Array.from(atEdge)).toEqual(Array.from(expected));
            }
            bound.floatReserves(0, zeroForOne, window, out);
            const met = liquiditiesMet({ ...pool, sqrtPriceX96: state.sqrtPriceX96, tick: state.tick, liquidity: state.liquidity }, zeroForOne, window);
            if (met.length > 65) continue;
            const most = Number(met.reduce((m, l) => (l > m ? l : m), 0n));
            expect(out[0]).toBe(zeroForOne ? most / s : most * s);
            expect(out[1]).toBe(zeroForOne ? most * s : most / s);
            kept++;
          }
        };
        check();
        for (const [direction, amount] of swaps) {
          const after = swapOrRefused(v3.get(0), direction, amount);
          if (after === undefined) continue;
          const before = { shape: v3.shapeStamp(0), stamp: v3.stateStamp(0), tick: v3.get(0).tick, liquidity: v3.get(0).liquidity };
          v3.set(0, { sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity });
          // The shape stamp moves exactly when the tick or the liquidity does; the state stamp on every change.
          const moved = after.tick !== before.tick || after.liquidity !== before.liquidity;
          expect(v3.shapeStamp(0) !== before.shape).toBe(moved);
          expect(v3.stateStamp(0)).not.toBe(before.stamp);
          if (moved) reshaped++;
          check();
        }
      }),
      { numRuns: 300 },
    );
    expect(kept).toBeGreaterThan(1000);
    expect(reshaped).toBeGreaterThan(50);
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
