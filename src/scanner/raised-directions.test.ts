import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { AmmError } from '../amm/errors.ts';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { RAISED_BOTH, RAISED_ONE_FOR_ZERO, RAISED_ZERO_FOR_ONE, raisedV2, raisedV3, v3Before } from './raised-directions.ts';
import { v3PoolFrom, v3Spec } from './test-v3-pools.ts';

/** Inputs from 1 unit to 10× the deeper reserve, log-spaced. */
function inputs(top: bigint): bigint[] {
  const xs: bigint[] = [];
  for (let x = 1n; x <= top * 10n; x = x * 7n + 3n) xs.push(x);
  return xs;
}

function v3Out(pool: V3SwapPool, zeroForOne: boolean, x: bigint): bigint {
  try {
    const r = swap(pool, zeroForOne, x);
    return -(zeroForOne ? r.amount1 : r.amount0);
  } catch (error) {
    if (error instanceof AmmError) return 0n;
    throw error;
  }
}

describe('which ways a move may raise what a pool pays', () => {
  it('V2: a way called not raised pays at most as much at every input (exact quotes), swaps and arbitrary new reserves', () => {
    let kept = 0;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }),
        fc.constantFrom(3000, 2500, 500),
        fc.oneof(
          // A swap either way, of up to ten times the input reserve.
          fc.record({ swap: fc.boolean(), fraction: fc.double({ min: 1e-9, max: 10, noNaN: true }) }),
          // Any new reserves (a Mint, a Burn, a Sync after a donation).
          fc.record({ r0: fc.bigInt({ min: 1n, max: 10n ** 25n }), r1: fc.bigInt({ min: 1n, max: 10n ** 25n }) }),
        ),
        (r0, r1, fee, move) => {
          let a0: bigint;
          let a1: bigint;
          if ('swap' in move) {
            const zeroForOne = move.swap;
            const x = BigInt(Math.floor(Number(zeroForOne ? r0 : r1) * move.fraction)) + 1n;
            const out = getAmountOut(x, zeroForOne ? r0 : r1, zeroForOne ? r1 : r0, fee);
            [a0, a1] = zeroForOne ? [r0 + x, r1 - out] : [r0 - out, r1 + x];
            // A swap never raises what the pool pays its own way.
            expect(raisedV2(r0, r1, a0, a1) & (zeroForOne ? RAISED_ZERO_FOR_ONE : RAISED_ONE_FOR_ZERO)).toBe(0);
          } else [a0, a1] = [move.r0, move.r1];
          if (a0 <= 0n || a1 <= 0n) return;
          const raised = raisedV2(r0, r1, a0, a1);
          for (const zeroForOne of [true, false]) {
            if ((raised & (zeroForOne ? RAISED_ZERO_FOR_ONE : RAISED_ONE_FOR_ZERO)) !== 0) continue;
            kept++;
            for (const x of inputs(r0 > r1 ? r0 : r1)) {
              const before = getAmountOut(x, zeroForOne ? r0 : r1, zeroForOne ? r1 : r0, fee);
              const after = getAmountOut(x, zeroForOne ? a0 : a1, zeroForOne ? a1 : a0, fee);
              expect(after <= before).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(kept).toBeGreaterThan(50);
    // A dry pool before (screened out, no key held): raised both ways whatever follows.
    expect(raisedV2(0n, 10n, 5n, 5n)).toBe(RAISED_BOTH);
  });

  it('V3: after a swap, a way called not raised pays at most as much at every input (the swap loop, ±2 units of rounding)', () => {
    let kept = 0;
    fc.assert(
      fc.property(
        v3Spec({ minLiquidity: 10n ** 12n, maxLiquidity: 10n ** 22n, span: 20 }),
        fc.boolean(),
        fc.double({ min: 1e-9, max: 1, noNaN: true }),
        (spec, zeroForOne, fraction) => {
          const snapshot = v3PoolFrom(0, 0, 1, spec);
          const pool: V3SwapPool = {
            fee: snapshot.fee, tickSpacing: snapshot.tickSpacing, sqrtPriceX96: snapshot.sqrtPriceX96, tick: snapshot.tick, liquidity: snapshot.liquidity,
            ticks: Int32Array.from(snapshot.ticks, (t) => t.tick), liquidityNet: snapshot.ticks.map((t) => t.liquidityNet),
          };
          const x = BigInt(Math.floor(Number(snapshot.liquidity > 0n ? snapshot.liquidity : 10n ** 12n) * fraction)) + 1n;
          let moved: ReturnType<typeof swap>;
          try {
            moved = swap(pool, zeroForOne, x);
          } catch (error) {
            if (error instanceof AmmError) return;
            throw error;
          }
          const before = v3Before(pool);
          const after: V3SwapPool = { ...pool, sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
          const raised = raisedV3(before, after);
          // Never "not raised" the way against the swap when the price moved.
          if (moved.sqrtPriceX96 !== pool.sqrtPriceX96) expect(raised & (zeroForOne ? RAISED_ONE_FOR_ZERO : RAISED_ZERO_FOR_ONE)).not.toBe(0);
          for (const way of [true, false]) {
            if ((raised & (way ? RAISED_ZERO_FOR_ONE : RAISED_ONE_FOR_ZERO)) !== 0) continue;
            kept++;
            for (const amount of inputs(snapshot.liquidity > 0n ? snapshot.liquidity : 10n ** 12n)) {
              expect(v3Out(after, way, amount) <= v3Out(pool, way, amount) + 2n).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(kept).toBeGreaterThan(20);
  });

  it('V3: a new tick map, another liquidity, or a tick crossed count as raised both ways', () => {
    const ticks = Int32Array.from([-60, 0, 60]);
    const base = { sqrtPriceX96: 79228162514264337593543950336n, tick: 0, liquidity: 10n ** 18n, ticks };
    const pool = (over: Partial<V3SwapPool>): V3SwapPool => ({ fee: 3000, tickSpacing: 60, liquidityNet: [10n ** 18n, 0n, -(10n ** 18n)], ...base, ...over });
    expect(raisedV3(base, pool({ ticks: Int32Array.from(ticks) }))).toBe(RAISED_BOTH);
    expect(raisedV3(base, pool({ liquidity: 2n * 10n ** 18n }))).toBe(RAISED_BOTH);
    expect(raisedV3(base, pool({ tick: -1, sqrtPriceX96: base.sqrtPriceX96 - 10n ** 20n }))).toBe(RAISED_BOTH);
    expect(raisedV3(base, pool({ sqrtPriceX96: base.sqrtPriceX96 + 1n }))).toBe(RAISED_ZERO_FOR_ONE);
    expect(raisedV3(base, pool({}))).toBe(0);
  });
});
