import fc from 'fast-check';
import { yieldToRunner } from '../../test/yield-to-runner.ts';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { AmmError } from '../amm/errors.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { testSeed } from '../../test/test-seed.ts';
import { KIND_V3 } from './pool-table.ts';
import { Route } from './route.ts';
import { Scanner } from './scanner.ts';
import { sizeGenericRoute } from './sizing-generic.ts';
import { PiecewiseSizer } from './sizing-piecewise.ts';
import { CoarseLiquidity } from './coarse-liquidity.ts';
import { flashFee, type Sized, type SizingLimits } from './sizing.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { testPool } from './test-market.ts';
import { bruteForceBest, closedMarket, logRateSum, routeOver, v3PoolFrom, v3Spec } from './test-v3-pools.ts';
import type { V3Pools } from './v3-pools.ts';

const UNCAPPED: SizingLimits = { flashFeePips: 0n, maxIn: (1n << 112n) - 1n };

/**
 * What integer rounding can cost at input x beyond the real profit: every step of a hop's swap
 * floors its output (a V3 hop takes one step per range and bitmap word it crosses, a V2 hop one),
 * and a V3 hop floors its input net of fee; each unit of a hop's output or input is worth about
 * x / amount of the start token along a cycle. Two local searches (the golden section and the
 * climb) may settle on different steps of that staircase, this far apart at most.
 */
function roundingAllowance(route: Route, v3: V3Pools, x: bigint): bigint {
  const amounts = route.amounts(x);
  const unit = (amount: bigint): bigint => (amount > 0n ? x / amount + 1n : 0n);
  let allowance = 0n;
  for (let h = 0; h < route.hops; h++) {
    let steps = 1;
    if (route.kind[h] === KIND_V3 && amounts[h]! > 0n) {
      try {
        steps = swap(v3.get(route.pool[h]!), route.zeroForOne[h] === 1, amounts[h]!).steps;
      } catch (error) {
        if (!(error instanceof AmmError)) throw error;
      }
    }
    allowance += BigInt(steps + 1) * unit(amounts[h + 1]!) + unit(amounts[h]!);
  }
  return allowance;
}

/** The sized input is a local integer optimum: no input within ±5 gives more. */
function expectLocalOptimum(route: Route, sized: Sized): void {
  for (let d = 1n; d <= 5n; d++) {
    expect(route.out(sized.amountIn + d) - sized.amountIn - d).toBeLessThanOrEqual(sized.profit);
    if (sized.amountIn > d) expect(route.out(sized.amountIn - d) - sized.amountIn + d).toBeLessThanOrEqual(sized.profit);
  }
}

/** Random swaps on `changed` pools of a scanner (as the benchmark does, V3 ones 20 times larger), applied with refresh. */
function perturb(scanner: Scanner, random: () => number, changed: number): void {
  const { pools } = scanner;
  for (let k = 0; k < changed; k++) {
    const p = Math.floor(random() * pools.size);
    const zeroForOne = random() < 0.5;
    const [r0, r1] = [pools.reserve0[p]!, pools.reserve1[p]!];
    const amount = BigInt(Math.floor(Number(zeroForOne ? r0 : r1) * 10 ** (-6 + 4 * random()))) + 1n;
    if (pools.kind[p] === KIND_V3) {
      try {
        const moved = swap(scanner.v3State(p), zeroForOne, amount / 50n + 1n);
        scanner.setV3State(p, { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity });
      } catch (error) {
        if (!(error instanceof AmmError)) throw error;
      }
    } else if (r0 > 0n && r1 > 0n) {
      const out = getAmountOut(amount, zeroForOne ? r0 : r1, zeroForOne ? r1 : r0, pools.fee[p]!);
      scanner.setReserves(p, zeroForOne ? r0 + amount : r0 - out, zeroForOne ? r1 - out : r1 + amount);
    }
  }
  scanner.refresh();
}

describe('piecewise sizing of routes with V3 hops', () => {
  it('finds the brute-force integer optimum on small random cycles (random tick maps, both directions, 2 and 3 hops)', () => {
    const small = v3Spec({ minLiquidity: 1000n, maxLiquidity: 8000n, span: 20, spacings: [60], fees: [500, 3000] });
    const seed = testSeed();
    let profitable = 0;
    fc.assert(
      fc.property(fc.boolean(), small, small, fc.bigInt({ min: 200n, max: 1500n }), fc.integer({ min: 850, max: 1150 }), (threeHop, specA, specB, reserve, permille) => {
        const { cycles, v3, route } = routeOver(closedMarket(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
        const sizer = new PiecewiseSizer(v3);
        for (let c = 0; c < cycles.count; c++) {
          route.load(c);
          const best = bruteForceBest(route);
          const sized = sizer.size(route, UNCAPPED);
          expect(sized?.profit ?? 0n).toBe(best);
          // The walk bound the scanner ranks by before sizing never falls below the true integer optimum.
          expect(sizer.profitBound(route, UNCAPPED)).toBeGreaterThanOrEqual(Number(best));
          if (best > 0n) profitable++;
        }
        expect(sizer.fallbacks).toBe(0);
      }),
      // 180 runs, not 90: at 90 the profitable count went down to 7 (300 seeds tried: 1st
      // percentile 8, median 16), too near the floor for a fresh seed per CI run. At 180, 150
      // seeds gave min 18, median 31.
      { numRuns: 180, seed },
    );
    // The sizing is only compared with the brute force where there is profit to find.
    expect(profitable, `profitable cycles (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(5);
  });

  it('bounds the exact profit when a price sits a hair from the tick its range ends at (a boundary the floats place by cancellation)', async () => {
    let kinks = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: -13, max: -5, noNaN: true }),
        fc.double({ min: 1.02, max: 5, noNaN: true }),
        fc.bigInt({ min: 10n ** 16n, max: 10n ** 20n }),
        async (liquidity, width, distance, gap, reserve) => {
          await yieldToRunner();
          // One range [-width, 0) holding the price just above its lower tick, nothing beyond:
          // a zeroForOne swap runs it dry a few wei of input in, where the route's profit has its kink.
          const spec = { tickSpacing: 1, fee: 100, positions: [{ lower: -width, width, liquidity }], tickSteps: -width, within: 0 };
          const base = v3PoolFrom(1, 0, 1, spec);
          const low = getSqrtRatioAtTick(-width);
          const sqrtPriceX96 = low + BigInt(Math.floor(Number(low) * 10 ** distance)) + 1n;
          const pool = { ...base, sqrtPriceX96, tick: -width, liquidity };
          // Token 1 is worth `gap` times more through the V2 pools than the V3 pool pays for it.
          const rich = BigInt(Math.floor(Number(reserve) * gap));
          const { cycles, v3, route } = routeOver([pool, testPool(2, 1, 2, reserve, rich), testPool(3, 2, 0, reserve, reserve)]);
          const sizer = new PiecewiseSizer(v3);
          for (let c = 0; c < cycles.count; c++) {
            route.load(c);
            const sized = sizer.size(route, UNCAPPED);
            if (sized === undefined || sized.profit <= 0n) continue;
            // Against the exact swap loop: the sized input and its neighbours, none may beat the walk bound.
            const bound = sizer.profitBound(route, UNCAPPED)!;
            for (let d = -3n; d <= 3n; d++) if (sized.amountIn + d > 0n) expect(bound).toBeGreaterThanOrEqual(Number(route.out(sized.amountIn + d) - sized.amountIn - d));
            kinks++;
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(kinks).toBeGreaterThan(100);
  });

  it('walks from what it keeps per pool state as a fresh walker does, bit for bit, over real and coarse ranges, as the pools move', () => {
    const deep = v3Spec({ minLiquidity: 10n ** 17n, maxLiquidity: 10n ** 22n, span: 20 });
    let walked = 0;
    let withinTick = 0;
    fc.assert(
      fc.property(
        fc.boolean(), deep, deep, fc.bigInt({ min: 10n ** 17n, max: 10n ** 22n }), fc.integer({ min: 850, max: 1150 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.integer({ min: 2, max: 12 })), { minLength: 1, maxLength: 5 }),
        (threeHop, specA, specB, reserve, permille, moves) => {
          const { table, cycles, v3, route } = routeOver(closedMarket(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
          const sizer = new PiecewiseSizer(v3);
          const coarse = new CoarseLiquidity(v3);
          const coarseWalk = new PiecewiseSizer(coarse);
          const v3Pools = [0, 1, 2].filter((p) => p < table.size && table.kind[p] === KIND_V3);
          const compare = (): void => {
            for (let c = 0; c < cycles.count; c++) {
              route.load(c);
              expect(sizer.profitBound(route, UNCAPPED)).toBe(new PiecewiseSizer(v3).profitBound(route, UNCAPPED));
              const sized = sizer.size(route, UNCAPPED);
              const fresh = new PiecewiseSizer(v3).size(route, UNCAPPED);
              expect([sized?.amountIn, sized?.profit]).toEqual([fresh?.amountIn, fresh?.profit]);
              coarse.load(route);
              const freshCoarse = new CoarseLiquidity(v3);
              freshCoarse.load(route);
              expect(coarseWalk.profitBound(route, UNCAPPED)).toBe(new PiecewiseSizer(freshCoarse).profitBound(route, UNCAPPED));
              walked++;
            }
          };
          compare();
          // Swaps of 1e-12 to 1 % of the liquidity: within the current tick (the price alone moves) and across ticks.
          for (const [second, zeroForOne, smaller] of moves) {
            const p = v3Pools[second ? v3Pools.length - 1 : 0]!;
            let moved;
            try {
              moved = swap(v3.get(p), zeroForOne, v3.get(p).liquidity / 10n ** BigInt(smaller) + 1n);
            } catch (error) {
              if (error instanceof AmmError) continue;
              throw error;
            }
            if (moved.tick === v3.get(p).tick) withinTick++;
            v3.set(p, { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity });
            compare();
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(walked).toBeGreaterThan(300);
    expect(withinTick).toBeGreaterThan(20);
  });

  it('matches or beats the golden-section search on deep random cycles, up to the rounding of a hop', async () => {
    const deep = v3Spec({ minLiquidity: 10n ** 17n, maxLiquidity: 10n ** 22n });
    const tally = { better: 0, same: 0, worse: 0 };
    await fc.assert(
      fc.asyncProperty(fc.boolean(), deep, deep, fc.bigInt({ min: 10n ** 17n, max: 10n ** 22n }), fc.integer({ min: 850, max: 1150 }), fc.constantFrom(0n, 500n), async (threeHop, specA, specB, reserve, permille, flashFeePips) => {
        await yieldToRunner();
        const { table, cycles, v3, route } = routeOver(closedMarket(threeHop, v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), reserve, permille));
        const sizer = new PiecewiseSizer(v3);
        const limits = { ...UNCAPPED, flashFeePips };
        for (let c = 0; c < cycles.count; c++) {
          if (!(logRateSum(table, cycles, c) > 0)) continue;
          route.load(c);
          const golden = sizeGenericRoute(route, limits);
          const before = golden?.profit ?? 0n;
          const sized = sizer.size(route, limits);
          const after = sized?.profit ?? 0n;
          tally[after > before ? 'better' : after === before ? 'same' : 'worse']++;
          if (sized !== undefined) {
            expect(route.out(sized.amountIn)).toBe(sized.amountOut);
            if (flashFeePips === 0n) expectLocalOptimum(route, sized);
          }
          expect(after).toBeGreaterThanOrEqual(before - roundingAllowance(route, v3, sized?.amountIn ?? golden?.amountIn ?? 1n));
          // The walk bound covers the exact profit of both searches, uncapped and under a cap below the optimum.
          const bound = sizer.profitBound(route, limits)!;
          expect(bound).toBeGreaterThanOrEqual(Number(after));
          expect(bound).toBeGreaterThanOrEqual(Number(before));
          if (sized !== undefined && sized.amountIn > 2n) {
            const capped = { ...limits, maxIn: sized.amountIn / 2n };
            expect(sizer.profitBound(route, capped)!).toBeGreaterThanOrEqual(Number(sizer.size(route, capped)?.profit ?? 0n));
            expect(sizer.profitBound(route, capped)!).toBeGreaterThanOrEqual(Number(route.out(capped.maxIn) - capped.maxIn - flashFee(capped.maxIn, flashFeePips)));
          }
        }
        expect(sizer.fallbacks).toBe(0);
      }),
      { numRuns: 150 },
    );
    // Where they differ, the walk's optimum (exact at tick crossings) is mostly the better start.
    expect(tally.better).toBeGreaterThan(tally.worse);
  });

  for (const chain of ['arbitrum', 'base', 'optimism']) {
    const file = sharedData(`snapshots/${chain}-uniswap-2024-11-01.json`);
    it.skipIf(!file)(`sizes every screened cycle of the ${chain} snapshot, as pools move, to a local optimum within a hop's rounding of the golden section`, async () => {
      const { snapshot } = await readSnapshotFile(file!);
      const scanner = new Scanner(snapshot);
      const v3 = (scanner as unknown as { v3: V3Pools }).v3;
      const route = new Route(scanner.pools, scanner.cycles, v3);
      const sizer = new PiecewiseSizer(v3);
      const random = createRng(3);
      let sized = 0;
      for (let block = 0; block < 16; block++) {
        for (let c = 0; c < scanner.cycles.count; c++) {
          if (scanner.cycles.allV2[c] === 1 || !(logRateSum(scanner.pools, scanner.cycles, c) > 0)) continue;
          route.load(c);
          const golden = sizeGenericRoute(route, UNCAPPED);
          const before = golden?.profit ?? 0n;
          const result = sizer.size(route, UNCAPPED);
          if (result !== undefined) {
            sized++;
            expect(route.out(result.amountIn)).toBe(result.amountOut);
            expectLocalOptimum(route, result);
          }
          expect(result?.profit ?? 0n).toBeGreaterThanOrEqual(before - roundingAllowance(route, v3, result?.amountIn ?? golden?.amountIn ?? 1n));
          expect(sizer.profitBound(route, UNCAPPED)).toBeGreaterThanOrEqual(Number(before > (result?.profit ?? 0n) ? before : (result?.profit ?? 0n)));
        }
        perturb(scanner, random, 6);
      }
      expect(sizer.fallbacks).toBe(0);
      expect(sized).toBeGreaterThan(5);
    });
  }
});
