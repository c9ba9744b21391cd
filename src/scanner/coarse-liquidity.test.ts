import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../test/test-seed.ts';
import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { COARSE_RANGES, CoarseLiquidity, coarsen } from './coarse-liquidity.ts';
import { PiecewiseSizer } from './sizing-piecewise.ts';
import type { SizingLimits } from './sizing.ts';
import { bruteForceBest, closedMarket, routeOver, v3PoolFrom, type V3PoolSpec } from './test-v3-pools.ts';

const UNCAPPED: SizingLimits = { flashFeePips: 0n, maxIn: (1n << 112n) - 1n };

/** Pools with many positions (up to 30: tick maps of dozens of ticks, so ranges are merged), liquidity per position in [min, max]. */
function manyPositions(min: bigint, max: bigint, spacing: number[]): fc.Arbitrary<V3PoolSpec> {
  return fc.record({
    tickSpacing: fc.constantFrom(...spacing),
    fee: fc.constantFrom(500, 3000),
    positions: fc.array(fc.record({ lower: fc.integer({ min: -30, max: 30 }), width: fc.integer({ min: 1, max: 12 }), liquidity: fc.bigInt({ min, max }) }), { minLength: 1, maxLength: 30 }),
    tickSteps: fc.integer({ min: -20, max: 20 }),
    within: fc.double({ min: 0, max: 0.999, noNaN: true }),
  });
}

/** Liquidity in effect at `tick` for a swap from the pool's state in its direction, read from a tick map the way the swap loop crosses it. */
function liquidityAt(state: Readonly<V3SwapPool>, zeroForOne: boolean, tick: number): bigint {
  let liquidity = state.liquidity;
  for (let j = 0; j < state.ticks.length; j++) {
    const t = state.ticks[j]!;
    // Going down, every initialized tick in (tick, current] is crossed; going up, every one in (current, tick].
    if (zeroForOne && t <= state.tick && t > tick) liquidity -= state.liquidityNet[j]!;
    if (!zeroForOne && t > state.tick && t <= tick) liquidity += state.liquidityNet[j]!;
  }
  return liquidity;
}

describe('coarse liquidity ranges', () => {
  it('hold at least the real liquidity at every tick a swap passes, either way, in at most 1/COARSE_RANGES of the ranges', () => {
    fc.assert(
      fc.property(manyPositions(1n, 10n ** 24n, [1, 10]), fc.boolean(), (spec, zeroForOne) => {
        const { v3 } = routeOver([v3PoolFrom(1, 0, 1, spec), ...closedMarket(false, v3PoolFrom(1, 0, 1, spec), v3PoolFrom(2, 1, 2, spec), 10n ** 18n, 1000).slice(1)]);
        const state = v3.get(0);
        const coarse = coarsen(state, zeroForOne);
        const crossed = zeroForOne ? state.ticks.filter((t) => t <= state.tick).length : state.ticks.filter((t) => t > state.tick).length;
        expect(coarse.ticks.length).toBeLessThanOrEqual(Math.ceil((crossed + 1) / COARSE_RANGES));
        // Every tick from the current one to beyond the map's last, in the swap's direction.
        const lowest = (state.ticks[0] ?? state.tick) - 2 * spec.tickSpacing;
        const highest = (state.ticks[state.ticks.length - 1] ?? state.tick) + 2 * spec.tickSpacing;
        for (let tick = state.tick; zeroForOne ? tick >= lowest : tick <= highest; tick += zeroForOne ? -1 : 1) {
          expect(liquidityAt(coarse, zeroForOne, tick) >= liquidityAt(state, zeroForOne, tick)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('walked over, bound the brute-force integer optimum on small random cycles (both directions, 2 and 3 hops)', () => {
    const small = manyPositions(1000n, 8000n, [60]);
    const seed = testSeed();
    let profitable = 0;
    fc.assert(
      fc.property(fc.boolean(), small, small, fc.bigInt({ min: 200n, max: 1500n }), fc.integer({ min: 850, max: 1150 }), (threeHop, specA, specB, reserve, permille) => {
        const { cycles, v3, route } = routeOver(closedMarket(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
        const coarse = new CoarseLiquidity(v3);
        const coarseWalk = new PiecewiseSizer(coarse);
        for (let c = 0; c < cycles.count; c++) {
          route.load(c);
          const best = bruteForceBest(route);
          coarse.load(route);
          expect(coarseWalk.profitBound(route, UNCAPPED) ?? Infinity).toBeGreaterThanOrEqual(Number(best));
          if (best > 0n) profitable++;
        }
      }),
      // 200 runs, not 60: at 60 the profitable count fell to 4 for some seeds (300 seeds tried:
      // min 4, median 10) and the floor below failed CI. At 200 runs, 200 seeds gave min 22, median 35.
      { numRuns: 200, seed },
    );
    // The bound is only tested where there is profit to bound.
    expect(profitable, `profitable cycles (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(5);
  });

  it('walked over, bound the exact profit around the sized optimum on deep random cycles', () => {
    const deep = manyPositions(10n ** 15n, 10n ** 24n, [1, 10, 60]);
    let checked = 0;
    fc.assert(
      fc.property(fc.boolean(), deep, deep, fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }), fc.integer({ min: 900, max: 1100 }), (threeHop, specA, specB, reserve, permille) => {
        const { cycles, v3, route } = routeOver(closedMarket(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
        const sizer = new PiecewiseSizer(v3);
        const coarse = new CoarseLiquidity(v3);
        const coarseWalk = new PiecewiseSizer(coarse);
        for (let c = 0; c < cycles.count; c++) {
          route.load(c);
          const sized = sizer.size(route, UNCAPPED);
          coarse.load(route);
          const bound = coarseWalk.profitBound(route, UNCAPPED) ?? Infinity;
          if (sized === undefined || sized.profit <= 0n) continue;
          for (let d = -3n; d <= 3n; d++) if (sized.amountIn + d > 0n) expect(bound).toBeGreaterThanOrEqual(Number(route.out(sized.amountIn + d) - sized.amountIn - d));
          checked++;
        }
      }),
      { numRuns: 120 },
    );
    expect(checked).toBeGreaterThan(30);
  });
});
