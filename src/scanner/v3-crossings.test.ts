import fc from 'fast-check';
import { yieldToRunner } from '../../test/yield-to-runner.ts';
import { describe, expect, it } from 'vitest';
import { AmmError } from '../amm/errors.ts';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { FullSteps, SwapLadder } from '../amm/uniswap-v3/swap-ladder.ts';
import { swapModel, v3PoolOfPositions } from './test-positions.ts';
import { V3Crossings } from './v3-crossings.ts';

/** Dense tick maps: 30 to 80 positions within ±300 spacings of the price (jumps of 16 steps get used), the price anywhere in them. */
const pools = fc
  .record({
    spacing: fc.constantFrom(1, 10, 60),
    fee: fc.constantFrom(100, 500, 3000, 10000),
    positions: fc.array(fc.record({ lower: fc.integer({ min: -300, max: 300 }), width: fc.integer({ min: 1, max: 40 }), liquidity: fc.bigInt({ min: 1n, max: 10n ** 22n }) }), { minLength: 30, maxLength: 80 }),
  })
  .map(({ spacing, fee, positions }) => swapModel(v3PoolOfPositions(0, 0, 1, fee, spacing, positions.map((p) => ({ lower: p.lower * spacing, upper: (p.lower + p.width) * spacing, liquidity: p.liquidity })))));

const amounts = fc.array(fc.double({ min: 0, max: 25, noNaN: true }).map((e) => BigInt(Math.floor(10 ** e)) + 1n), { minLength: 1, maxLength: 10 });

function loopCount(pool: V3SwapPool, zeroForOne: boolean, amount: bigint): number {
  try {
    return swap(pool, zeroForOne, amount).initializedTicksCrossed;
  } catch (error) {
    if (error instanceof AmmError) return 0;
    throw error;
  }
}

describe('ticks a V3 hop crosses', () => {
  it('counts exactly what the whole swap loop crosses, across pool states sharing the full steps and jumps of one tick map', async () => {
    let crossed = 0;
    let many = 0;
    await fc.assert(
      fc.asyncProperty(pools, fc.boolean(), amounts, fc.array(fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: 10n ** 23n })), { maxLength: 3 }), async (start, zeroForOne, inputs, moves) => {
        await yieldToRunner();
        let pool = start;
        const crossings = new V3Crossings({ get: () => pool });
        for (const [direction, amount] of [[zeroForOne, 0n] as const, ...moves]) {
          if (amount > 0n) {
            let moved;
            try {
              moved = swap(pool, direction, amount);
            } catch (error) {
              if (!(error instanceof AmmError)) throw error;
              continue;
            }
            pool = { ...pool, sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
          }
          // And the inputs that bring the pool exactly to some of its ticks, and a few wei either side
          // (where the last step may land on the boundary, and where a jump's input equals the input).
          const ladder = new SwapLadder(pool, zeroForOne, new FullSteps(pool.ticks, pool.liquidityNet));
          const ends = Array.from(pool.ticks.filter((_, i) => i % 7 === 0), (t) => ladder.inputTo(t)).filter((x): x is bigint => x !== undefined);
          const near = ends.flatMap((end) => [end - 9n, end - 8n, end - 1n, end, end + 1n]).filter((x) => x > 0n);
          for (const x of [...inputs, ...near]) {
            const expected = loopCount(pool, zeroForOne, x);
            expect(crossings.count(0, zeroForOne, x)).toBe(expected);
            crossed += expected;
            if (expected > 2 * 16) many++;
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(crossed).toBeGreaterThan(1000);
    expect(many).toBeGreaterThan(20);
  });
});
