import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { V2PoolSnapshot } from '../market/snapshot.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import type { ScannerOptions } from './types.ts';

const TOKENS = 6;

/** A random market: pools between random distinct tokens, reserves spanning six orders of magnitude. */
const market = fc
  .array(
    fc.record({
      a: fc.integer({ min: 0, max: TOKENS - 1 }),
      b: fc.integer({ min: 0, max: TOKENS - 1 }),
      r0: fc.bigInt({ min: 10n ** 12n, max: 10n ** 18n }),
      r1: fc.bigInt({ min: 10n ** 12n, max: 10n ** 18n }),
      fee: fc.constantFrom(3000, 2500, 500),
    }),
    { minLength: 6, maxLength: 16 },
  )
  .map((specs) => specs.filter((s) => s.a !== s.b).map((s, i) => testPool(i, s.a, s.b, s.r0, s.r1, s.fee)))
  .filter((pools) => pools.length >= 4);

/** Blocks of updates: each a list of (pool slot, new reserves); some reserves go to zero. */
const blocks = fc.array(
  fc.array(
    fc.record({
      slot: fc.nat(),
      r0: fc.oneof(fc.bigInt({ min: 10n ** 12n, max: 10n ** 18n }), fc.constant(0n)),
      r1: fc.bigInt({ min: 10n ** 12n, max: 10n ** 18n }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  { minLength: 1, maxLength: 6 },
);

function ranked(scanner: Scanner): string {
  return JSON.stringify(scanner.top(1000), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

describe('incremental refresh', () => {
  it('gives exactly the ranking of a full rescan after random pool updates (gas priced through a pool)', () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(market, blocks, fc.constantFrom(0n, 1n, 30n * 10n ** 9n), (pools, updates, gasPrice) => {
        const options: ScannerOptions = {
          bases: [testToken(0).address, testToken(1).address],
          maxHops: 3,
          gasPrice,
          gasToken: testToken(0).address,
        };
        const present = new Set(pools.flatMap((p) => [p.token0.address, p.token1.address]));
        // Gas can only be priced in T1 when some pool joins it to T0; otherwise the scanner refuses.
        const priceable = pools.some((p) => p.token0.address === testToken(0).address && p.token1.address === testToken(1).address);
        if (!present.has(testToken(0).address) || !present.has(testToken(1).address) || (gasPrice > 0n && !priceable)) return;
        const live = new Scanner(testSnapshot(pools, 1n), options);
        live.scanAll();
        const state: V2PoolSnapshot[] = pools.map((p) => ({ ...p }));
        let block = 1n;
        for (const update of updates) {
          block++;
          for (const { slot, r0, r1 } of update) {
            const i = slot % state.length;
            state[i] = { ...state[i]!, reserve0: r0, reserve1: r1 };
            live.setReserves(live.poolIndex(state[i]!.address), r0, r1);
          }
          live.refresh(block);
          const fresh = new Scanner(testSnapshot(state, block), options);
          fresh.scanAll();
          if (fresh.top(1).length > 0) nonEmpty++;
          // Blocks differ only where a cycle was last computed earlier; compare the rest exactly.
          expect(ranked(live).replace(/"block":"\d+"/g, '')).toBe(ranked(fresh).replace(/"block":"\d+"/g, ''));
          for (const opp of live.top(1000)) expect(opp.block! <= block).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    expect(nonEmpty).toBeGreaterThan(20);
  });

  it('re-evaluates only the cycles through changed pools and stamps them with the block', () => {
    const pools = [testPool(0, 0, 1, 10n ** 18n, 2n * 10n ** 18n), testPool(1, 1, 2, 10n ** 18n, 10n ** 18n), testPool(2, 2, 0, 10n ** 18n, 10n ** 18n), testPool(3, 3, 4, 10n ** 18n, 10n ** 18n)];
    const scanner = new Scanner(testSnapshot(pools, 5n), { bases: [testToken(0).address] });
    scanner.scanAll();
    expect(scanner.stats().cycles).toBe(2);
    expect(scanner.top(5).map((o) => o.block)).toEqual([5n]);
    scanner.setReserves(scanner.poolIndex(pools[3]!.address), 2n * 10n ** 18n, 10n ** 18n);
    expect(scanner.refresh(6n)).toBe(0);
    expect(scanner.top(5).map((o) => o.block)).toEqual([5n]);
    // Pool 1 now pays more token0 → token1 and less the other way: the cycle through it that way is
    // re-evaluated at once, the other (its bound still an upper bound) when `top`'s walk reaches it.
    scanner.setReserves(scanner.poolIndex(pools[1]!.address), 10n ** 18n, 11n * 10n ** 17n);
    expect(scanner.refresh(7n)).toBe(1);
    expect(scanner.top(5).map((o) => o.block)).toEqual([7n]);
    // Moved back (paying more the other way): the other cycle is the one evaluated at once.
    scanner.setReserves(scanner.poolIndex(pools[1]!.address), 11n * 10n ** 17n, 10n ** 18n);
    expect(scanner.refresh(8n)).toBe(1);
    expect(scanner.top(5).map((o) => o.block)).toEqual([8n]);
  });
});
