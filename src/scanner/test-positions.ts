import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { HexAddress, TickEntry, V3PoolSnapshot } from '../market/snapshot.ts';
import { testToken } from './test-market.ts';

/**
 * Test-only: a V3 pool of the synthetic market built from liquidity positions, at price 1
 * (tick 0), for tests that need a tick map of a given shape (dense ranges, a band of one token).
 */

/** A liquidity position over [lower, upper). */
export interface TestPosition { lower: number; upper: number; liquidity: bigint }

/** V3 pool `id` between tokens a < b at tick 0 holding `positions` (their nets summed per tick, zero nets dropped). */
export function v3PoolOfPositions(id: number, a: number, b: number, fee: number, tickSpacing: number, positions: readonly TestPosition[]): V3PoolSnapshot {
  const nets = new Map<number, bigint>();
  for (const p of positions) {
    nets.set(p.lower, (nets.get(p.lower) ?? 0n) + p.liquidity);
    nets.set(p.upper, (nets.get(p.upper) ?? 0n) - p.liquidity);
  }
  const ticks: TickEntry[] = [...nets].filter(([, n]) => n !== 0n).sort(([x], [y]) => x - y).map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
  const liquidity = positions.filter((p) => p.lower <= 0 && p.upper > 0).reduce((sum, p) => sum + p.liquidity, 0n);
  return {
    protocol: 'uniswap-v3', address: `0x${(0xe000 + id).toString(16).padStart(40, '0')}` as HexAddress, fee, tickSpacing,
    token0: testToken(a), token1: testToken(b), sqrtPriceX96: getSqrtRatioAtTick(0), tick: 0, liquidity, ticks,
  };
}

/** The scanner's V3 pool model of a snapshot pool (what the swap loop reads). */
export function swapModel(pool: V3PoolSnapshot): V3SwapPool {
  return { fee: pool.fee, tickSpacing: pool.tickSpacing, sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity, ticks: Int32Array.from(pool.ticks, (t) => t.tick), liquidityNet: pool.ticks.map((t) => t.liquidityNet) };
}
