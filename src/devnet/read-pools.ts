import type { Address } from 'viem';
import type { PoolSnapshot, V2PoolSnapshot, V3PoolSnapshot } from '../market/snapshot.ts';
import { loadArtifact } from '../contracts/compile.ts';
import type { DevnetClients } from './clients.ts';

/**
 * Reads the live state of local pools through our lens contract (anvil has no Multicall3): all
 * V2 reserves in one call per 500 pairs, and each V3 pool's price, liquidity and full tick map
 * (scanned from the tick bitmap, so an extra or missing tick shows) in one call per pool, the
 * calls merged into one HTTP request by the client's JSON-RPC batching.
 */

const V2_CHUNK = 500;

/** `pools` (local addresses) with their state replaced by what the chain holds (now, or at `blockNumber`). */
export async function readPoolStates(
  clients: DevnetClients,
  lens: Address,
  pools: readonly PoolSnapshot[],
  blockNumber?: bigint,
): Promise<PoolSnapshot[]> {
  const at = blockNumber === undefined ? {} : { blockNumber };
  const { abi } = await loadArtifact('DevnetPoolLens');
  const { publicClient } = clients;
  const v2 = pools.filter((p): p is V2PoolSnapshot => p.protocol === 'uniswap-v2');
  const v3 = pools.filter((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3');

  const v2Reads: Promise<readonly [readonly bigint[], readonly bigint[]]>[] = [];
  for (let i = 0; i < v2.length; i += V2_CHUNK) {
    const chunk = v2.slice(i, i + V2_CHUNK).map((p) => p.address);
    v2Reads.push(
      publicClient.readContract({ address: lens, abi, functionName: 'v2Reserves', args: [chunk], ...at }) as Promise<
        readonly [readonly bigint[], readonly bigint[]]
      >,
    );
  }
  const v3Reads = v3.map(
    (p) =>
      publicClient.readContract({ address: lens, abi, functionName: 'v3State', args: [p.address], ...at }) as Promise<
        readonly [bigint, number, bigint, readonly number[], readonly bigint[]]
      >,
  );
  const [v2Results, v3Results] = await Promise.all([Promise.all(v2Reads), Promise.all(v3Reads)]);

  const state = new Map<string, PoolSnapshot>();
  v2Results.forEach(([reserve0, reserve1], chunkIndex) => {
    reserve0.forEach((r0, j) => {
      const pool = v2[chunkIndex * V2_CHUNK + j]!;
      state.set(pool.address, { ...pool, reserve0: r0, reserve1: reserve1[j]! });
    });
  });
  v3Results.forEach(([sqrtPriceX96, tick, liquidity, ticks, nets], i) => {
    const pool = v3[i]!;
    state.set(pool.address, {
      ...pool, sqrtPriceX96, tick, liquidity,
      ticks: ticks.map((t, j) => ({ tick: t, liquidityNet: nets[j]! })),
    });
  });
  return pools.map((p) => state.get(p.address)!);
}
