import { AmmError } from '../errors.ts';
import { MAX_UINT128 } from './full-math.ts';

/** LiquidityMath.addDelta: x + y for uint128 x and int128 y, reverting 'LS' / 'LA' on under/overflow. */
export function addDelta(x: bigint, y: bigint): bigint {
  const z = x + y;
  if (y < 0n && z < 0n) throw new AmmError('LS', `liquidity ${x} minus ${-y} underflows`, { liquidity: x, delta: y });
  if (y >= 0n && z > MAX_UINT128) throw new AmmError('LA', `liquidity ${x} plus ${y} overflows uint128`, { liquidity: x, delta: y });
  return z;
}
