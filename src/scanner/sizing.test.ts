import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { isqrt } from './bigint-math.ts';
import { floatProfitBound } from './bound.ts';
import { Route } from './route.ts';
import { Scanner } from './scanner.ts';
import { climbFrom, composeV2, profitUpperBound, scanLevels } from './sizing.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';

/** Exact output of a route by the AMM math alone (independent of the scanner's Route). */
function routeOut(amountIn: bigint, hops: { reserveIn: bigint; reserveOut: bigint; fee: number }[]): bigint {
  let amount = amountIn;
  for (const hop of hops) {
    if (amount <= 0n) return 0n;
    amount = getAmountOut(amount, hop.reserveIn, hop.reserveOut, hop.fee);
  }
  return amount;
}

type Hop = { reserveIn: bigint; reserveOut: bigint; fee: number };

/** The hops of cycle `c` with the reserves the scanner holds. */
function hopsOfCycle(scanner: Scanner, c: number): Hop[] {
  const { cycles, pools } = scanner;
  const hops: Hop[] = [];
  for (let h = 0; h < cycles.length[c]!; h++) {
    const p = cycles.pools[c * cycles.stride + h]!;
    const zeroForOne = cycles.zeroForOne[c * cycles.stride + h] === 1;
    const r0 = pools.reserve0[p]!;
    const r1 = pools.reserve1[p]!;
    hops.push({ reserveIn: zeroForOne ? r0 : r1, reserveOut: zeroForOne ? r1 : r0, fee: pools.fee[p]! });
  }
  return hops;
}

const reserve = fc.bigInt({ min: 50n, max: 4000n });
const fee = fc.constantFrom(0, 1000, 3000, 5000, 10000);

describe('isqrt', () => {
  it('is the exact floor square root, inside and beyond float range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 1200n }), (n) => {
        const r = isqrt(n);
        expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('V2 cycle sizing', () => {
  it('equals a brute-force search over every integer input on random small 2- and 3-hop cycles', () => {
    let profitable = 0;
    let floatBounds = 0;
    fc.assert(
      fc.property(fc.boolean(), fc.array(reserve, { minLength: 6, maxLength: 6 }), fc.array(fee, { minLength: 3, maxLength: 3 }), (twoHop, r, fees) => {
        const pools = twoHop
          ? [testPool(1, 0, 1, r[0]!, r[1]!, fees[0]), testPool(2, 0, 1, r[2]!, r[3]!, fees[1])]
          : [testPool(1, 0, 1, r[0]!, r[1]!, fees[0]), testPool(2, 1, 2, r[2]!, r[3]!, fees[1]), testPool(3, 2, 0, r[4]!, r[5]!, fees[2])];
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address], maxHops: 3 });
        scanner.scanAll();
        expect(scanner.cycles.count).toBe(2);
        const found = scanner.top(10);
        const route = new Route(scanner.pools, scanner.cycles, undefined);
        // Every cycle (both directions) by brute force, matched to what the scanner ranked.
        for (let c = 0; c < scanner.cycles.count; c++) {
          const opp = found.find((o) => o.cycle === c);
          const hops = hopsOfCycle(scanner, c);
          let best = 0n;
          let bestX = 0n;
          // Beyond the last hop's output reserve the profit is negative: the search is complete.
          const limit = hops[hops.length - 1]!.reserveOut + 1n;
          for (let x = 1n; x <= limit; x++) {
            const p = routeOut(x, hops) - x;
            if (p > best) {
              best = p;
              bestX = x;
            }
          }
          // The bound the ranking uses never falls below the true integer optimum.
          route.load(c);
          expect(profitUpperBound(composeV2(route), 0n, 1n << 112n)).toBeGreaterThanOrEqual(best);
          let logSum = 0;
          for (let h = 0; h < scanner.cycles.length[c]!; h++) {
            const slot = c * scanner.cycles.stride + h;
            logSum += scanner.pools.logRate[2 * scanner.cycles.pools[slot]! + (scanner.cycles.zeroForOne[slot] === 1 ? 0 : 1)]!;
          }
          const fast = floatProfitBound(scanner.pools, scanner.cycles, c, logSum, 0, 2 ** 112);
          if (fast >= 0) {
            floatBounds++;
            expect(fast).toBeGreaterThanOrEqual(Number(best));
          }
          if (best === 0n) {
            expect(opp).toBeUndefined();
          } else {
            profitable++;
            expect(opp, `cycle ${c} profits ${best} at ${bestX}`).toBeDefined();
            expect(opp!.netProfit).toBe(best);
            expect(routeOut(opp!.amountIn, hops) - opp!.amountIn).toBe(best);
          }
        }
      }),
      { numRuns: 300 },
    );
    // The random markets must exercise the profitable branch, not only the empty one.
    expect(profitable).toBeGreaterThan(50);
    expect(floatBounds).toBeGreaterThan(50);
  });

  it('scanLevels on a monotone route (quoting only the hops after the coarse one) is the least best input of the window, by brute force', () => {
    // One thin pool among deep ones makes a staircase: few output levels across a wide window.
    const thin = fc.bigInt({ min: 10n ** 3n, max: 10n ** 6n });
    const deep = fc.bigInt({ min: 10n ** 8n, max: 10n ** 12n });
    let levelled = 0;
    fc.assert(
      fc.property(fc.array(deep, { minLength: 6, maxLength: 6 }), thin, fc.integer({ min: 0, max: 5 }), fee, fc.bigInt({ min: 1n, max: 5000n }), fc.bigInt({ min: 0n, max: 3000n }), (r, t, at, f, lo, width) => {
        r[at] = t;
        const pools = [testPool(1, 0, 1, r[0]!, r[1]!, f), testPool(2, 1, 2, r[2]!, r[3]!, f), testPool(3, 2, 0, r[4]!, r[5]!, f)];
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address] });
        const route = new Route(scanner.pools, scanner.cycles, undefined);
        const hi = lo + width;
        for (let c = 0; c < scanner.cycles.count; c++) {
          route.load(c);
          const hops = hopsOfCycle(scanner, c);
          let best = routeOut(lo, hops) - lo;
          let bestX = lo;
          for (let x = lo + 1n; x <= hi; x++) {
            const p = routeOut(x, hops) - x;
            if (p > best) [best, bestX] = [p, x];
          }
          const current = lo + width / 2n;
          const currentProfit = routeOut(current, hops) - current;
          const fast = scanLevels(route, lo, hi, current, 0n, 64n, { currentProfit, monotone: true });
          expect(fast).toBe(scanLevels(route, lo, hi, current, 0n, 64n));
          if (fast === undefined) continue;
          levelled++;
          expect(fast).toBe(bestX);
        }
      }),
      // Each run brute-forces its window: report the first failure rather than shrink it.
      { numRuns: 300, endOnFailure: true },
    );
    expect(levelled).toBeGreaterThan(100);
  });

  it('climbs a constant-product route as the plain climb does: plateau edge by walking down, best of ±5, gallop (small random cycles)', () => {
    // The climb by its definition, on outputs from the AMM math alone: walk down to the left edge
    // of the output plateau, take the best of the inputs within ±5 (the current one on ties, then
    // the smaller), gallop while still climbing at the edge of that neighbourhood.
    const referenceClimb = (hops: Hop[], seed: bigint, flashFeePips: bigint, maxIn: bigint): { x: bigint; out: bigint } => {
      const profit = (x: bigint): bigint => routeOut(x, hops) - x - (x * flashFeePips + 999_999n) / 1_000_000n;
      let x = seed < 1n ? 1n : seed > maxIn ? maxIn : seed;
      for (let step = 0; step < 256; step++) {
        const out = routeOut(x, hops);
        if (out > 0n) while (x > 1n && routeOut(x - 1n, hops) === out) x--;
        let next = x;
        let nextProfit = profit(x);
        for (let y = x - 5n < 1n ? 1n : x - 5n; y <= (x + 5n > maxIn ? maxIn : x + 5n); y++) {
          if (profit(y) > nextProfit) [next, nextProfit] = [y, profit(y)];
        }
        if (next === x) return { x, out: routeOut(x, hops) };
        if (next - x === 5n || x - next === 5n) {
          for (let stride = (next - x) * 2n; next + stride >= 1n && next + stride <= maxIn && profit(next + stride) > nextProfit; stride *= 2n) {
            next += stride;
            nextProfit = profit(next);
          }
        }
        x = next;
      }
      return { x, out: routeOut(x, hops) };
    };
    let climbs = 0;
    fc.assert(
      fc.property(fc.array(reserve, { minLength: 6, maxLength: 6 }), fee, fc.constantFrom(0n, 900n), fc.bigInt({ min: 1n, max: 3000n }), fc.bigInt({ min: 1n, max: 4000n }), (r, f, flashFeePips, seed, maxIn) => {
        const pools = [testPool(1, 0, 1, r[0]!, r[1]!, f), testPool(2, 1, 2, r[2]!, r[3]!, f), testPool(3, 2, 0, r[4]!, r[5]!, f)];
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address] });
        const route = new Route(scanner.pools, scanner.cycles, undefined);
        for (let c = 0; c < scanner.cycles.count; c++) {
          route.load(c);
          const hops = hopsOfCycle(scanner, c);
          const expected = referenceClimb(hops, seed, flashFeePips, maxIn);
          const clamped = seed > maxIn ? maxIn : seed;
          // With and without the seed's output quoted by the caller, as sizeV2Route hands it.
          expect(climbFrom(route, seed, { flashFeePips, maxIn }, undefined, true)).toEqual(expected);
          expect(climbFrom(route, clamped, { flashFeePips, maxIn }, routeOut(clamped, hops), true)).toEqual(expected);
          climbs++;
        }
      }),
      { numRuns: 300 },
    );
    expect(climbs).toBeGreaterThan(500);
  });

  it('returns a local integer optimum (±1…5) with exact per-hop amounts on random large cycles', () => {
    const big = fc.bigInt({ min: 10n ** 15n, max: 10n ** 26n });
    fc.assert(
      fc.property(fc.array(big, { minLength: 6, maxLength: 6 }), fee, (r, f) => {
        const pools = [testPool(1, 0, 1, r[0]!, r[1]!, f), testPool(2, 1, 2, r[2]!, r[3]!, f), testPool(3, 2, 0, r[4]!, r[5]!, f)];
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address] });
        scanner.scanAll();
        for (const opp of scanner.top(10)) {
          const hops = hopsOfCycle(scanner, opp.cycle);
          expect(opp.amounts[0]).toBe(opp.amountIn);
          for (let h = 0; h < hops.length; h++) {
            expect(opp.amounts[h + 1]).toBe(getAmountOut(opp.amounts[h]!, hops[h]!.reserveIn, hops[h]!.reserveOut, hops[h]!.fee));
          }
          const at = opp.amountOut - opp.amountIn;
          expect(at).toBe(opp.profit);
          for (let d = 1n; d <= 5n; d++) {
            expect(at).toBeGreaterThanOrEqual(routeOut(opp.amountIn + d, hops) - opp.amountIn - d);
            if (opp.amountIn > d) expect(at).toBeGreaterThanOrEqual(routeOut(opp.amountIn - d, hops) - opp.amountIn + d);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
