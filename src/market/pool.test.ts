import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { createPool, createPools, V2Pool, V3Pool } from './pool.ts';
import { readSnapshotFile, type V3PoolSnapshot } from './snapshot.ts';

const SNAPSHOTS = [
  'snapshots/arbitrum-uniswap-2024-11-01.json',
  'snapshots/base-uniswap-2024-11-01.json',
  'snapshots/optimism-uniswap-2024-11-01.json',
  'snapshots/ethereum-uniswap-v2-2020-10-03.json',
];

const token = (n: number): { address: `0x${string}`; symbol: string; decimals: number } => ({
  address: `0x${n.toString(16).padStart(40, '0')}`, symbol: `T${n}`, decimals: 18,
});

const v3: V3PoolSnapshot = {
  protocol: 'uniswap-v3', address: '0x00000000000000000000000000000000000000aa', fee: 3000, tickSpacing: 60,
  token0: token(1), token1: token(2), sqrtPriceX96: 1n << 96n, tick: 0, liquidity: 15n * 10n ** 17n,
  ticks: [{ tick: -600, liquidityNet: 10n ** 18n }, { tick: -120, liquidityNet: 5n * 10n ** 17n }, { tick: 120, liquidityNet: -5n * 10n ** 17n }, { tick: 600, liquidityNet: -(10n ** 18n) }],
};

describe('pool models', () => {
  it('V2: quotes with the router math, case-insensitive tokens, and applies swaps to the reserves', () => {
    const pool = new V2Pool({ protocol: 'uniswap-v2', address: '0x00000000000000000000000000000000000000bb', fee: 2500, token0: token(1), token1: token(2), reserve0: 10n ** 21n, reserve1: 3n * 10n ** 21n });
    const q = pool.quoteExactIn(token(2).address.toUpperCase().replace('0X', '0x'), 10n ** 18n);
    expect(q.amountOut).toBe(getAmountOut(10n ** 18n, 3n * 10n ** 21n, 10n ** 21n, 2500));
    expect(q.tokenOut).toBe(token(1).address);
    const back = pool.quoteExactOut(token(2).address, q.amountOut);
    expect(back.amountIn).toBeLessThanOrEqual(10n ** 18n);
    pool.applySwap(q);
    expect([pool.reserve0, pool.reserve1]).toEqual([10n ** 21n - q.amountOut, 3n * 10n ** 21n + 10n ** 18n]);
    expect(() => pool.quoteExactIn(token(3).address, 1n)).toThrow(/is not in pool 0x0+bb/);
    expect(() => pool.quoteExactIn(token(1).address, 0n)).toThrow(/amountIn must be a positive integer/);
    expect(() => pool.quoteExactOut(token(1).address, pool.reserve1)).toThrow(/pool 0x0+bb: amountOut .* is beyond the liquidity: not below the output reserve/);
  });

  it('V3: quotes equal the swap loop, exact out inverts exact in, applySwap moves the state', () => {
    const pool = new V3Pool(v3);
    fc.assert(
      fc.property(fc.boolean(), fc.bigInt({ min: 1n, max: 10n ** 17n }), (zeroForOne, amount) => {
        const tokenIn = zeroForOne ? token(1).address : token(2).address;
        const q = pool.quoteExactIn(tokenIn, amount);
        const r = swap(pool, zeroForOne, amount);
        expect(q.amountIn).toBe(zeroForOne ? r.amount0 : r.amount1);
        expect(q.amountOut).toBe(-(zeroForOne ? r.amount1 : r.amount0));
        if (q.amountOut > 0n) {
          const back = pool.quoteExactOut(tokenIn, q.amountOut);
          expect(back.amountOut).toBe(q.amountOut);
          expect(back.amountIn).toBeLessThanOrEqual(amount);
        }
      }),
      { numRuns: 300 },
    );
    const q = pool.quoteExactIn(token(1).address, 10n ** 17n);
    expect(q.initializedTicksCrossed).toBeGreaterThan(0);
    pool.applySwap(q);
    expect([pool.sqrtPriceX96, pool.tick, pool.liquidity]).toEqual([q.sqrtPriceX96After, q.tickAfter, q.liquidityAfter]);
    expect(() => pool.quoteExactOut(token(2).address, 10n ** 30n)).toThrow(/exact-out amount 10{30} is beyond its liquidity/);
  });

  it('V3: setTick inserts, updates and removes while keeping the arrays sorted and aligned', () => {
    const pool = new V3Pool(v3);
    pool.setTick(0, 7n);
    pool.setTick(-600, 9n);
    pool.setTick(120, undefined);
    expect(Array.from(pool.ticks)).toEqual([-600, -120, 0, 600]);
    expect(pool.liquidityNet).toEqual([9n, 5n * 10n ** 17n, 7n, -(10n ** 18n)]);
    expect(() => pool.setTick(61, 1n)).toThrow(/not a multiple of tickSpacing 60/);
    expect(() => new V3Pool({ ...v3, tick: 5 })).toThrow(/field "tick" 5 does not match/);
  });

  it('V3: tickMapVersion moves exactly when the map changes (a net changed in place, a tick added or removed), never on a swap or a no-op', () => {
    const pool = new V3Pool(v3);
    const map = (): string => Array.from(pool.ticks, (t, i) => `${t}:${pool.liquidityNet[i]}`).join(',');
    const steps: [string, () => void][] = [
      ['net changed in place', () => pool.setTick(-120, 6n * 10n ** 17n)],
      ['the same net again', () => pool.setTick(-120, 6n * 10n ** 17n)],
      ['tick added', () => pool.setTick(60, 1n)],
      ['absent tick removed', () => pool.setTick(180, undefined)],
      ['tick removed', () => pool.setTick(60, undefined)],
      ['a swap applied', () => pool.applySwap(pool.quoteExactIn(token(1).address, 10n ** 16n))],
    ];
    for (const [what, step] of steps) {
      const [version, before] = [pool.tickMapVersion, map()];
      step();
      // Checked against the map itself: the version moves if and only if the map did.
      expect(pool.tickMapVersion !== version, what).toBe(map() !== before);
      expect(pool.tickMapVersion - version, what).toBeLessThanOrEqual(1);
    }
    expect(pool.tickMapVersion).toBe(3);
  });
});

describe.each(SNAPSHOTS)('real snapshot %s', (file) => {
  const path = sharedData(file);
  it.skipIf(!path)('loads into pool models and every priced pool quotes both ways', async () => {
    const { snapshot } = await readSnapshotFile(path as string);
    const pools = createPools(snapshot.pools);
    expect(pools.size).toBe(snapshot.pools.length);
    let quoted = 0;
    for (const p of snapshot.pools) {
      const pool = createPool(p);
      if (pool.protocol === 'uniswap-v2' && (pool.reserve0 === 0n || pool.reserve1 === 0n)) continue;
      if (pool.protocol === 'uniswap-v3' && pool.liquidity === 0n) continue;
      for (const t of [pool.token0.address, pool.token1.address]) {
        const q = pool.quoteExactIn(t, 10n ** BigInt(Math.max(0, (t === pool.token0.address ? pool.token0 : pool.token1).decimals - 3)));
        expect(q.amountOut).toBeGreaterThanOrEqual(0n);
        if (q.amountOut > 0n) expect(pool.quoteExactOut(t, q.amountOut).amountIn).toBeLessThanOrEqual(q.amountIn);
      }
      quoted++;
    }
    expect(quoted).toBeGreaterThan(0);
  });
});
