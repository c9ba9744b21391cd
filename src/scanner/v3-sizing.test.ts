import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { Snapshot, V2PoolSnapshot, V3PoolSnapshot } from '../market/snapshot.ts';
import { testSeed } from '../../test/test-seed.ts';
import { yieldToRunner } from '../../test/yield-to-runner.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';

/** A V3 pool T0/T1 at `tick` with two nested positions: liquidity changes at four ticks. */
function v3Pool(id: number, tick: number, inner: bigint, outer: bigint, fee = 3000): V3PoolSnapshot {
  const ticks = [
    { tick: -1200, liquidityNet: outer },
    { tick: -300, liquidityNet: inner },
    { tick: 300, liquidityNet: -inner },
    { tick: 1200, liquidityNet: -outer },
  ];
  const liquidity = ticks.filter((t) => t.tick <= tick).reduce((sum, t) => sum + t.liquidityNet, 0n);
  return {
    protocol: 'uniswap-v3', address: `0x${(0xe000 + id).toString(16).padStart(40, '0')}`, fee, tickSpacing: 60,
    token0: testToken(0), token1: testToken(1), sqrtPriceX96: getSqrtRatioAtTick(tick), tick, liquidity, ticks,
  };
}

/** A V3 + V2 market at block 1 and a scanner following it (cold pass done), for the incremental tests. */
function following(): { v3: V3PoolSnapshot; v2: V2PoolSnapshot; snapshot: Snapshot; live: Scanner; block: bigint } {
  const v3 = v3Pool(1, 120, 10n ** 20n, 10n ** 19n);
  const v2 = testPool(2, 0, 1, 10n ** 20n, 10n ** 20n);
  const snapshot = { ...testSnapshot([v2], 1n), pools: [v2, v3] };
  const live = new Scanner(snapshot, { bases: [testToken(0).address], maxHops: 2 });
  live.scanAll();
  return { v3, v2, snapshot, live, block: 1n };
}

/** The pool after a swap, by the AMM's swap loop (throws where the pool refuses it). */
function swapped(pool: V3PoolSnapshot, zeroForOne: boolean, amount: bigint): V3PoolSnapshot {
  const moved = swap({ ...pool, ticks: Int32Array.from(pool.ticks, (t) => t.tick), liquidityNet: pool.ticks.map((t) => t.liquidityNet) }, zeroForOne, amount);
  return { ...pool, sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
}

/** Exact output of a V3 exact-input swap, 0 when the pool cannot take all of it (independent of the scanner). */
function v3Out(pool: V3PoolSnapshot, zeroForOne: boolean, amountIn: bigint): bigint {
  const state = { ...pool, ticks: Int32Array.from(pool.ticks, (t) => t.tick), liquidityNet: pool.ticks.map((t) => t.liquidityNet) };
  try {
    const r = swap(state, zeroForOne, amountIn);
    if ((zeroForOne ? r.amount0 : r.amount1) < amountIn) return 0n;
    return -(zeroForOne ? r.amount1 : r.amount0);
  } catch {
    return 0n;
  }
}

describe('cycles with V3 hops', () => {
  it('size to the brute-force integer optimum across tick ranges (V3 + V2 two-hop cycles)', async () => {
    const seed = testSeed();
    let profitable = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -900, max: 900 }),
        fc.bigInt({ min: 1_000n, max: 5_000n }),
        fc.bigInt({ min: 1_000n, max: 5_000n }),
        fc.bigInt({ min: 200n, max: 1_500n }),
        fc.integer({ min: 850, max: 1150 }),
        async (tick, inner, outer, reserve0, pricePermille) => {
          await yieldToRunner();
          const v3 = v3Pool(1, tick, inner, outer);
          const v2 = testPool(2, 0, 1, reserve0, (reserve0 * BigInt(pricePermille)) / 1000n);
          const scanner = new Scanner({ ...testSnapshot([v2]), pools: [v2, v3] }, { bases: [testToken(0).address], maxHops: 2 });
          scanner.scanAll();
          expect(scanner.cycles.count).toBe(2);
          const [opp] = scanner.top(1);
          // Both directions by brute force: T0 -> T1 on one pool, back on the other.
          let best = 0n;
          for (const v3First of [true, false]) {
            // Past the liquidity of both pools no input profits: the pools hold less than this.
            for (let x = 1n; x <= (inner + outer) / 8n + reserve0; x++) {
              const mid = v3First ? v3Out(v3, true, x) : getAmountOut(x, v2.reserve0, v2.reserve1, 3000);
              const out = mid <= 0n ? 0n : v3First ? getAmountOut(mid, v2.reserve1, v2.reserve0, 3000) : v3Out(v3, false, mid);
              if (out - x > best) best = out - x;
            }
          }
          if (best === 0n) {
            expect(opp).toBeUndefined();
            return;
          }
          profitable++;
          expect(opp?.profit).toBe(best);
          expect(opp!.pools).toContain(v3.address);
        },
      ),
      // 80 runs, not 40: about one run in four is profitable, and at 40 runs the count fell to 5
      // for some seeds (100 seeds tried: min 5, median 11), one above the floor; binomially
      // P(count <= 4) is about 1 % at 40 runs and 3e-7 at 80.
      { numRuns: 80, seed },
    );
    // The sizing is only compared with the brute force where there is profit to find.
    expect(profitable, `profitable cycles (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(4);
  });

  it('follows V3 swaps incrementally exactly as a rescan of the updated pools would', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ zeroForOne: fc.boolean(), amount: fc.bigInt({ min: 1n, max: 10n ** 17n }) }), { minLength: 1, maxLength: 5 }), (swaps) => {
        const market = following();
        const { v2, snapshot, live } = market;
        let { v3, block } = market;
        for (const { zeroForOne, amount } of swaps) {
          v3 = swapped(v3, zeroForOne, amount);
          live.setV3State(live.poolIndex(v3.address), { sqrtPriceX96: v3.sqrtPriceX96, tick: v3.tick, liquidity: v3.liquidity });
          live.refresh(++block);
          const fresh = new Scanner({ ...snapshot, block, pools: [v2, v3] }, { bases: [testToken(0).address], maxHops: 2 });
          fresh.scanAll();
          expect(live.top(5)).toEqual(fresh.top(5));
        }
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it('follows Mint and Burn (tick map changes) incrementally exactly as a rescan would, bound and sizes alike', () => {
    let found = 0;
    const position = fc.record({ lower: fc.integer({ min: -30, max: 30 }), width: fc.integer({ min: 1, max: 20 }), liquidity: fc.bigInt({ min: 10n ** 17n, max: 10n ** 21n }) });
    fc.assert(
      fc.property(fc.array(fc.record({ mint: position, zeroForOne: fc.boolean(), amount: fc.bigInt({ min: 1n, max: 10n ** 19n }) }), { minLength: 1, maxLength: 5 }), (events) => {
        const market = following();
        const { v2, snapshot, live } = market;
        let { v3, block } = market;
        for (const { mint, zeroForOne, amount } of events) {
          // Mint: a position's liquidity joins the map at its two ticks (and the in-range liquidity if it spans the price).
          const nets = new Map(v3.ticks.map((t) => [t.tick, t.liquidityNet]));
          const [lower, upper] = [mint.lower * 60, (mint.lower + mint.width) * 60];
          nets.set(lower, (nets.get(lower) ?? 0n) + mint.liquidity);
          nets.set(upper, (nets.get(upper) ?? 0n) - mint.liquidity);
          const ticks = [...nets].filter(([, net]) => net !== 0n).sort(([a], [b]) => a - b).map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
          const liquidity = v3.liquidity + (lower <= v3.tick && v3.tick < upper ? mint.liquidity : 0n);
          v3 = { ...v3, ticks, liquidity };
          live.setV3State(live.poolIndex(v3.address), { sqrtPriceX96: v3.sqrtPriceX96, tick: v3.tick, liquidity: v3.liquidity, ticks: v3.ticks });
          // Then a swap moves the price over the new map.
          try {
            v3 = swapped(v3, zeroForOne, amount);
            live.setV3State(live.poolIndex(v3.address), { sqrtPriceX96: v3.sqrtPriceX96, tick: v3.tick, liquidity: v3.liquidity });
          } catch {
            // A swap the pool refuses leaves it as it was.
          }
          live.refresh(++block);
          const fresh = new Scanner({ ...snapshot, block, pools: [v2, v3] }, { bases: [testToken(0).address], maxHops: 2 });
          fresh.scanAll();
          const top = live.top(5);
          expect(top).toEqual(fresh.top(5));
          found += top.length;
        }
      }),
      { numRuns: 30 },
    );
    expect(found).toBeGreaterThan(10);
  });
});
