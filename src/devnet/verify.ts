import type { Address } from 'viem';
import { RuntimeFault } from '../errors.ts';
import type { PoolSnapshot } from '../market/snapshot.ts';
import type { DevnetClients } from './clients.ts';
import { readPoolStates } from './read-pools.ts';

/**
 * After seeding, every pool on chain must equal the snapshot: V2 reserves; V3 price, tick,
 * active liquidity and the whole tick map. A difference is a fault naming the pool and field.
 */

/** A seeded pool that does not match its snapshot. */
export class PoolMismatchError extends RuntimeFault {}

/** The first difference between a pool's expected and actual state, or `undefined`. */
export function poolDifference(expected: PoolSnapshot, actual: PoolSnapshot): string | undefined {
  if (expected.protocol === 'uniswap-v2' && actual.protocol === 'uniswap-v2') {
    if (actual.reserve0 !== expected.reserve0) return `reserve0 is ${actual.reserve0}, expected ${expected.reserve0}`;
    if (actual.reserve1 !== expected.reserve1) return `reserve1 is ${actual.reserve1}, expected ${expected.reserve1}`;
    return undefined;
  }
  if (expected.protocol === 'uniswap-v3' && actual.protocol === 'uniswap-v3') {
    if (actual.sqrtPriceX96 !== expected.sqrtPriceX96) return `sqrtPriceX96 is ${actual.sqrtPriceX96}, expected ${expected.sqrtPriceX96}`;
    if (actual.tick !== expected.tick) return `tick is ${actual.tick}, expected ${expected.tick}`;
    if (actual.liquidity !== expected.liquidity) return `liquidity is ${actual.liquidity}, expected ${expected.liquidity}`;
    const count = Math.max(actual.ticks.length, expected.ticks.length);
    for (let i = 0; i < count; i++) {
      const a = actual.ticks[i];
      const e = expected.ticks[i];
      if (a?.tick !== e?.tick) {
        return `initialized tick #${i} is ${a ? a.tick : 'missing'}, expected ${e ? e.tick : 'none'} (${actual.ticks.length} initialized, expected ${expected.ticks.length})`;
      }
      if (a!.liquidityNet !== e!.liquidityNet) return `liquidityNet at tick ${e!.tick} is ${a!.liquidityNet}, expected ${e!.liquidityNet}`;
    }
    return undefined;
  }
  return `protocol is ${actual.protocol}, expected ${expected.protocol}`;
}

/**
 * Reads every pool of `expected` (local addresses) from the chain and throws
 * {@link PoolMismatchError} on the first that differs. `label(pool)` names a pool in the message
 * (e.g. with its snapshot address).
 */
export async function verifyPools(
  clients: DevnetClients,
  lens: Address,
  expected: readonly PoolSnapshot[],
  label: (pool: PoolSnapshot) => string = (pool) => pool.address,
): Promise<void> {
  const actual = await readPoolStates(clients, lens, expected);
  expected.forEach((pool, i) => {
    const difference = poolDifference(pool, actual[i]!);
    if (difference !== undefined) {
      throw new PoolMismatchError(`seeded pool ${label(pool)} does not match the snapshot: ${difference}`, {
        details: { pool: pool.address },
      });
    }
  });
}
