import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmmError } from '../errors.ts';
import { swap, type V3SwapPool } from './pool.ts';
import { FullSteps, SwapLadder } from './swap-ladder.ts';
import { getSqrtRatioAtTick } from './tick-math.ts';

/** The whole swap loop's answer, or undefined where it reverts. */
function whole(pool: V3SwapPool, zeroForOne: boolean, amount: bigint, limit?: bigint): ReturnType<typeof swap> | undefined {
  try {
    return swap(pool, zeroForOne, amount, limit);
  } catch (error) {
    if (error instanceof AmmError) return undefined;
    throw error;
  }
}

/**
 * A pool from a few positions, its price in the covered span or beyond it: sparse ticks on
 * spacing 1 make swaps stop at hundreds of bitmap word edges, the steps the ladder must repeat.
 */
const pools = fc
  .record({
    tickSpacing: fc.constantFrom(1, 10, 60),
    fee: fc.constantFrom(100, 500, 3000, 10000),
    positions: fc.array(fc.record({ lower: fc.integer({ min: -3000, max: 3000 }), width: fc.integer({ min: 1, max: 2000 }), liquidity: fc.bigInt({ min: 1n, max: 10n ** 22n }) }), { minLength: 1, maxLength: 5 }),
    at: fc.integer({ min: -4000, max: 4000 }),
    within: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ tickSpacing, fee, positions, at, within }): V3SwapPool => {
    const nets = new Map<number, bigint>();
    for (const { lower, width, liquidity } of positions) {
      nets.set(lower * tickSpacing, (nets.get(lower * tickSpacing) ?? 0n) + liquidity);
      nets.set((lower + width) * tickSpacing, (nets.get((lower + width) * tickSpacing) ?? 0n) - liquidity);
    }
    const entries = [...nets].filter(([, net]) => net !== 0n).sort(([a], [b]) => a - b);
    const tick = at * tickSpacing;
    const low = getSqrtRatioAtTick(tick);
    const sqrtPriceX96 = low + ((getSqrtRatioAtTick(tick + 1) - low) * BigInt(within)) / 1000n;
    const liquidity = entries.filter(([t]) => t <= tick).reduce((sum, [, net]) => sum + net, 0n);
    return { fee, tickSpacing, sqrtPriceX96, tick, liquidity, ticks: Int32Array.from(entries, ([t]) => t), liquidityNet: entries.map(([, net]) => net), sqrtRatioCache: new Map() };
  });

const amounts = fc.array(fc.double({ min: 0, max: 24, noNaN: true }).map((e) => BigInt(Math.floor(10 ** e))), { minLength: 1, maxLength: 8 });

describe('swap ladder', () => {
  it('quotes exactly what the whole swap loop gives: exact input, exact output, input to a tick', () => {
    let rungs = 0;
    fc.assert(
      fc.property(pools, fc.boolean(), amounts, (pool, zeroForOne, inputs) => {
        const ladder = new SwapLadder(pool, zeroForOne, new FullSteps(pool.ticks, pool.liquidityNet));
        for (const x of inputs) {
          const loop = whole(pool, zeroForOne, x);
          expect(ladder.exactIn(x)).toEqual(loop === undefined ? undefined : -(zeroForOne ? loop.amount1 : loop.amount0));
          const out = whole(pool, zeroForOne, -x);
          const expected = out === undefined ? undefined : zeroForOne ? { input: out.amount0, output: -out.amount1 } : { input: out.amount1, output: -out.amount0 };
          expect(ladder.exactOut(x)).toEqual(expected);
        }
        // The input that takes the pool to an initialized tick's price: the loop stopped there.
        for (const tick of [pool.ticks[0], pool.ticks[pool.ticks.length - 1], pool.ticks[pool.ticks.length >> 1]]) {
          if (tick === undefined) continue;
          const limit = getSqrtRatioAtTick(tick);
          const reachable = zeroForOne ? limit < pool.sqrtPriceX96 && tick <= pool.tick : limit > pool.sqrtPriceX96 && tick > pool.tick;
          const upTo = reachable ? whole(pool, zeroForOne, 1n << 200n, limit) : undefined;
          const expected = upTo === undefined || upTo.sqrtPriceX96 !== limit ? undefined : zeroForOne ? upTo.amount0 : upTo.amount1;
          expect(ladder.inputTo(tick)).toEqual(expected);
        }
        rungs += ladder.rungs - 1;
      }),
      { numRuns: 150 },
    );
    // The quotes did climb the ladder (word edges and crossings), not only its first step.
    expect(rungs).toBeGreaterThan(1000);
  });

  it('quotes a partial step (short of the next rung, or landing on its price) as the whole loop does', () => {
    // Inputs inside the ranges the ladder spans and a wei either side of each boundary it stops
    // at: where the quote's last step takes its output from the price alone (partialOut).
    let partial = 0;
    fc.assert(
      fc.property(pools, fc.boolean(), fc.array(fc.bigInt({ min: 1n, max: 999n }), { minLength: 1, maxLength: 4 }), (pool, zeroForOne, fractions) => {
        const ladder = new SwapLadder(pool, zeroForOne, new FullSteps(pool.ticks, pool.liquidityNet));
        const ends = Array.from(pool.ticks, (tick) => ladder.inputTo(tick)).filter((x): x is bigint => x !== undefined && x > 1n);
        for (const end of ends.slice(0, 6)) {
          for (const x of [end - 1n, end, end + 1n, ...fractions.map((f) => (end * f) / 1000n + 1n)]) {
            const loop = whole(pool, zeroForOne, x);
            expect(ladder.exactIn(x)).toEqual(loop === undefined ? undefined : -(zeroForOne ? loop.amount1 : loop.amount0));
            partial++;
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(partial).toBeGreaterThan(300);
  });

  it('reuses full steps across states of the pool (a swap moves the price, not the steps beyond it)', () => {
    fc.assert(
      fc.property(pools, fc.boolean(), amounts, fc.array(fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: 10n ** 21n })), { minLength: 1, maxLength: 4 }), (start, zeroForOne, inputs, moves) => {
        const steps = new FullSteps(start.ticks, start.liquidityNet);
        let pool = start;
        for (const [direction, amount] of moves) {
          const ladder = new SwapLadder(pool, zeroForOne, steps);
          for (const x of inputs) {
            const loop = whole(pool, zeroForOne, x);
            expect(ladder.exactIn(x)).toEqual(loop === undefined ? undefined : -(zeroForOne ? loop.amount1 : loop.amount0));
          }
          const moved = whole(pool, direction, amount);
          if (moved !== undefined) pool = { ...pool, sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
        }
      }),
      { numRuns: 60 },
    );
  });
});
