import { getSqrtRatioAtTick, MAX_TICK, MIN_TICK } from '../amm/uniswap-v3/tick-math.ts';
import type { HexAddress, PoolSnapshot, SnapshotToken, TickEntry, V2PoolSnapshot, V3PoolSnapshot } from '../market/snapshot.ts';

const MAX_UINT112 = (1n << 112n) - 1n;
/** Fixed-point scale of the float factors applied to bigint amounts (factors only shape synthetic data). */
const SCALE = 1_000_000_000_000n;
const LN_TICK = Math.log(1.0001);

/** `amount × factor`, factor a float > 0, in bigint (floored, at least 1 for a non-zero amount). */
export function scaleAmount(amount: bigint, factor: number): bigint {
  if (amount === 0n) return 0n;
  const scaled = (amount * BigInt(Math.round(factor * Number(SCALE)))) / SCALE;
  return scaled < 1n ? 1n : scaled > MAX_UINT112 ? MAX_UINT112 : scaled;
}

/**
 * A V2 pair at another address (and fee), its depth scaled by `depth` and its price
 * (reserve1/reserve0) multiplied by `priceFactor`: reserves × depth/√f and × depth·√f.
 */
export function copyV2(pool: V2PoolSnapshot, address: HexAddress, fee: number, depth: number, priceFactor: number): V2PoolSnapshot {
  const root = Math.sqrt(priceFactor);
  return { ...pool, address, fee, reserve0: scaleAmount(pool.reserve0, depth / root), reserve1: scaleAmount(pool.reserve1, depth * root) };
}

/** Active liquidity of a tick map at `tick`: the liquidityNet of every initialized tick at or below it. */
export function activeLiquidity(ticks: readonly TickEntry[], tick: number): bigint {
  let liquidity = 0n;
  for (const entry of ticks) {
    if (entry.tick > tick) break;
    liquidity += entry.liquidityNet;
  }
  return liquidity;
}

/**
 * A V3 pool at another address with the same fee tier, tick spacing and tick map (no
 * re-binning), its price multiplied by about `priceFactor`: the tick moves by
 * ln(factor)/ln(1.0001), `sqrtPriceX96` lands at `within` (0..1) of the way through that tick,
 * and the active liquidity is recomputed from the tick map, so the copy passes the validator.
 */
export function copyV3(pool: V3PoolSnapshot, address: HexAddress, priceFactor: number, within: number): V3PoolSnapshot {
  const tick = Math.max(MIN_TICK, Math.min(MAX_TICK - 1, pool.tick + Math.round(Math.log(priceFactor) / LN_TICK)));
  const low = getSqrtRatioAtTick(tick);
  const span = getSqrtRatioAtTick(tick + 1) - low;
  const offset = (span * BigInt(Math.floor(within * 1e9))) / 1_000_000_000n;
  return { ...pool, address, tick, sqrtPriceX96: low + (offset < span ? offset : span - 1n), liquidity: activeLiquidity(pool.ticks, tick) };
}

/**
 * The same pool between renamed tokens (a token family's copy): the rename keeps every token's
 * order against every other (synth.ts makes family addresses so), so reserves, price and tick
 * map carry over unchanged; a V2 pair's depth is scaled by `depth`, its price kept.
 */
export function renamePool(pool: PoolSnapshot, address: HexAddress, token0: SnapshotToken, token1: SnapshotToken, depth: number): PoolSnapshot {
  if (token0.address >= token1.address) throw new Error(`family rename broke the token order of pool ${pool.address}`);
  if (pool.protocol === 'uniswap-v3') return { ...pool, address, token0, token1 };
  return { ...pool, address, token0, token1, reserve0: scaleAmount(pool.reserve0, depth), reserve1: scaleAmount(pool.reserve1, depth) };
}
