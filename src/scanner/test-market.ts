import type { HexAddress, PoolSnapshot, Snapshot, SnapshotToken, V2PoolSnapshot } from '../market/snapshot.ts';

/**
 * Synthetic markets for the scanner's tests: tokens T0…Tn with ordered addresses and V2 pools
 * with given reserves (V3 pools are built by the tests that need them). Not a fake of anything: the scanner reads snapshots, and these are
 * snapshots, only small enough that a brute-force search can check every answer.
 */

/** Token i of a synthetic market (address 0x…0i+1, so token addresses sort by index). */
export function testToken(i: number, decimals = 18): SnapshotToken {
  return { address: `0x${(i + 1).toString(16).padStart(40, '0')}` as HexAddress, symbol: `T${i}`, decimals };
}

/** A V2 pool between tokens a and b (any order) with reserves of a and b. */
export function testPool(id: number, a: number, b: number, reserveA: bigint, reserveB: bigint, fee = 3000): V2PoolSnapshot {
  const [lo, hi, r0, r1] = a < b ? [a, b, reserveA, reserveB] : [b, a, reserveB, reserveA];
  return {
    protocol: 'uniswap-v2',
    address: `0x${(0xf000 + id).toString(16).padStart(40, '0')}` as HexAddress,
    fee,
    token0: testToken(lo),
    token1: testToken(hi),
    reserve0: r0,
    reserve1: r1,
  };
}

/** A snapshot of the given pools at `block`. */
export function testSnapshot(pools: PoolSnapshot[], block: bigint | null = 1n, chainId = 31337): Snapshot {
  return { format: 'orion.pools/v1', chainId, block, pools };
}
