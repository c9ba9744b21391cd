import fc from 'fast-check';
import { yieldToRunner } from '../../test/yield-to-runner.ts';
import { describe, expect, it } from 'vitest';
import { AmmError } from '../amm/errors.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { enumerateCycles } from './cycles.ts';
import { defaultBaseTokens } from './base-tokens.ts';
import { buildPoolTable } from './pool-table.ts';
import { Route } from './route.ts';
import { CachedRoute } from './sizing-quotes.ts';
import { testPool } from './test-market.ts';
import { routeOver, v3PoolFrom, v3Spec } from './test-v3-pools.ts';
import { buildTokenTable } from './tokens.ts';
import { V3Pools } from './v3-pools.ts';

/**
 * The oracle for a least input, independent of `leastInputBackwards` (which Route and CachedRoute
 * share): by definition, `x` is the least route input whose output after hop `h` reaches `y`,
 * so the whole route run forward, swap by swap, from `x` delivers at least `y` and from `x − 1`
 * less (outputs are monotone in the input).
 */
function expectLeastInput(route: Route, x: bigint, y: bigint, h: number): void {
  if (x === -1n) {
    // "No input reaches y": then not even the largest input a pool can take (uint128) does.
    expect(reachedAt(route, (1n << 128n) - 1n, h) < y, `no input delivers ${y} after hop ${h}`).toBe(true);
    return;
  }
  expect(x > 0n).toBe(true);
  expect(route.amounts(x)[h + 1]! >= y, `input ${x} delivers at least ${y} after hop ${h}`).toBe(true);
  if (x > 1n) expect(route.amounts(x - 1n)[h + 1]! < y, `input ${x - 1n} delivers less than ${y} after hop ${h}`).toBe(true);
}

/** Output after hop `h` for route input `x`; a swap the pools refuse (beyond their liquidity) delivers nothing more. */
function reachedAt(route: Route, x: bigint, h: number): bigint {
  try {
    return route.amounts(x)[h + 1]!;
  } catch (error) {
    if (error instanceof AmmError) return -1n;
    throw error;
  }
}

/**
 * Checks every quote of the cached route against the scanner's own Route (V3Pools.exactIn, the
 * swap loop run from the pool's state each time) on `inputs` near which the sizing works:
 * amounts along the route, runs of consecutive inputs; and its least inputs for outputs near
 * those amounts against their definition (`expectLeastInput`). Returns how many checkpoints the cached route left (they must be exercised).
 */
function checkQuotes(route: Route, cached: CachedRoute, inputs: readonly bigint[]): number {
  let checkpoints = 0;
  for (const x of inputs) {
    const exact = route.amounts(x);
    expect(cached.amounts(x)).toEqual(exact);
    // A run of inputs around x, filled from quotes at its ends where outputs repeat.
    const lo = x > 6n ? x - 5n : 1n;
    expect(cached.outs(lo, lo + 10n)).toEqual(Array.from({ length: 11 }, (_, i) => route.out(lo + BigInt(i))));
    for (let h = 0; h < route.hops; h++) {
      for (const y of [exact[h + 1]!, exact[h + 1]! + 1n, exact[h + 1]! * 2n + 7n]) {
        if (y > 0n) expectLeastInput(route, cached.minIn(y, h), y, h);
      }
    }
    checkpoints = Math.max(checkpoints, cached.rungs());
  }
  return checkpoints;
}

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');
const base = sharedData('snapshots/base-uniswap-2024-11-01.json');

describe('cached route quotes', () => {
  it('equal the swap loop run whole, on random multi-tick pools (checkpoints, plateau fills, least inputs)', async () => {
    const deep = v3Spec({ minLiquidity: 10n ** 12n, maxLiquidity: 10n ** 22n });
    let withCheckpoints = 0;
    await fc.assert(
      fc.asyncProperty(
        deep,
        deep,
        fc.bigInt({ min: 10n ** 12n, max: 10n ** 22n }),
        fc.array(fc.double({ min: 2, max: 23, noNaN: true }), { minLength: 6, maxLength: 6 }),
        async (specA, specB, reserve, exponents) => {
          await yieldToRunner();
          const { cycles, route, v3 } = routeOver([v3PoolFrom(1, 0, 1, specA), v3PoolFrom(2, 1, 2, specB), testPool(3, 2, 0, reserve, reserve)]);
          const cached = new CachedRoute(v3);
          for (let c = 0; c < cycles.count; c++) {
            route.load(c);
            cached.reset(route);
            if (checkQuotes(route, cached, exponents.map((e) => BigInt(Math.floor(10 ** e)))) > 0) withCheckpoints++;
          }
        },
      ),
      { numRuns: 30 },
    );
    expect(withCheckpoints).toBeGreaterThan(10);
  });

  it('keeps checkpoints across sizings only while the pool is unchanged (swaps and Mint/Burn move it)', () => {
    const deep = v3Spec({ minLiquidity: 10n ** 15n, maxLiquidity: 10n ** 21n, spacings: [1, 10] });
    fc.assert(
      fc.property(deep, fc.bigInt({ min: 10n ** 15n, max: 10n ** 21n }), fc.array(fc.tuple(fc.boolean(), fc.double({ min: 10, max: 21, noNaN: true })), { minLength: 2, maxLength: 6 }), (spec, reserve, moves) => {
        const pool = v3PoolFrom(1, 0, 1, spec);
        const { cycles, route, v3 } = routeOver([pool, testPool(3, 0, 1, reserve, reserve)]);
        const cached = new CachedRoute(v3);
        for (const [zeroForOne, exponent] of moves) {
          const amount = BigInt(Math.floor(10 ** exponent));
          for (let c = 0; c < cycles.count; c++) {
            route.load(c);
            cached.reset(route);
            checkQuotes(route, cached, [amount, amount / 3n + 1n]);
          }
          // The pool trades (or, every other move, is re-read whole, as after a Mint or Burn).
          const state = v3.get(0);
          try {
            const moved = swap(state, zeroForOne, amount);
            v3.set(0, { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity, ...(zeroForOne ? { ticks: pool.ticks } : {}) });
          } catch (error) {
            if (!(error instanceof AmmError)) throw error;
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  for (const [name, file] of [['arbitrum', arbitrum], ['base', base]] as const) {
    it.skipIf(!file)(`equal the swap loop run whole on the real ${name} snapshot`, async () => {
      const { snapshot } = await readSnapshotFile(file!);
      const tokens = buildTokenTable(snapshot.pools);
      const table = buildPoolTable(snapshot.pools, tokens);
      const cycles = enumerateCycles(table, tokens.tokens.length, defaultBaseTokens(tokens), 3);
      const v3 = new V3Pools(table, snapshot.pools);
      const route = new Route(table, cycles, v3);
      const cached = new CachedRoute(v3);
      const random = createRng(7);
      let withCheckpoints = 0;
      for (let c = 0; c < cycles.count; c += 5) {
        route.load(c);
        cached.reset(route);
        const inputs = Array.from({ length: 4 }, () => BigInt(Math.floor(10 ** (8 + 14 * random()))));
        if (checkQuotes(route, cached, inputs) > 0) withCheckpoints++;
      }
      expect(withCheckpoints).toBeGreaterThan(3);
    });
  }
});
