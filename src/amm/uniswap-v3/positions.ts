import { AmmError } from '../errors.ts';
import { addDelta } from './liquidity-math.ts';
import type { V3SwapPool } from './pool.ts';
import { getAmount0DeltaSigned, getAmount1DeltaSigned } from './sqrt-price-math.ts';
import { getSqrtRatioAtTick, getTickAtSqrtRatio, MAX_TICK, MIN_TICK } from './tick-math.ts';

/**
 * Building a pool's tick map from liquidity positions, as UniswapV3Pool.mint would leave it:
 * +L at each lower tick, -L at each upper tick, and the active liquidity of the ranges that
 * contain the current tick. Used by tests (pool set-ups of Uniswap's own suite, random pools)
 * and by anyone who knows positions rather than a tick map.
 */

/** A liquidity position [tickLower, tickUpper) holding `liquidity`. */
export interface Position {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

/** Pool parameters and positions to build from. */
export interface PoolFromPositionsInput {
  fee: number;
  tickSpacing: number;
  sqrtPriceX96: bigint;
  positions: readonly Position[];
}

function checkPosition(p: Position, tickSpacing: number): void {
  const ok = p.tickLower < p.tickUpper && p.tickLower >= MIN_TICK && p.tickUpper <= MAX_TICK
    && p.tickLower % tickSpacing === 0 && p.tickUpper % tickSpacing === 0 && p.liquidity > 0n;
  if (!ok) throw new AmmError('POSITION', `invalid position [${p.tickLower}, ${p.tickUpper}) of ${p.liquidity} with tick spacing ${tickSpacing}`, { ...p });
}

/** The V3SwapPool that minting `positions` into a fresh pool at `sqrtPriceX96` produces. */
export function poolFromPositions(input: PoolFromPositionsInput): V3SwapPool {
  const tick = getTickAtSqrtRatio(input.sqrtPriceX96);
  const net = new Map<number, bigint>();
  let liquidity = 0n;
  for (const p of input.positions) {
    checkPosition(p, input.tickSpacing);
    net.set(p.tickLower, (net.get(p.tickLower) ?? 0n) + p.liquidity);
    net.set(p.tickUpper, (net.get(p.tickUpper) ?? 0n) - p.liquidity);
    if (p.tickLower <= tick && tick < p.tickUpper) liquidity = addDelta(liquidity, p.liquidity);
  }
  // A tick whose net is zero is still initialized (its gross liquidity is not): keep it.
  const sorted = [...net.keys()].sort((a, b) => a - b);
  return {
    fee: input.fee,
    tickSpacing: input.tickSpacing,
    sqrtPriceX96: input.sqrtPriceX96,
    tick,
    liquidity,
    ticks: Int32Array.from(sorted),
    liquidityNet: sorted.map((t) => net.get(t)!),
  };
}

/** Token amounts the pool takes to mint `p` at the current price (rounded up, as mint charges). */
export function mintAmounts(p: Position, sqrtPriceX96: bigint): { amount0: bigint; amount1: bigint } {
  const tick = getTickAtSqrtRatio(sqrtPriceX96);
  const lower = getSqrtRatioAtTick(p.tickLower);
  const upper = getSqrtRatioAtTick(p.tickUpper);
  if (tick < p.tickLower) return { amount0: getAmount0DeltaSigned(lower, upper, p.liquidity), amount1: 0n };
  if (tick < p.tickUpper) {
    return { amount0: getAmount0DeltaSigned(sqrtPriceX96, upper, p.liquidity), amount1: getAmount1DeltaSigned(lower, sqrtPriceX96, p.liquidity) };
  }
  return { amount0: 0n, amount1: getAmount1DeltaSigned(lower, upper, p.liquidity) };
}
