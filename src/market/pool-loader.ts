import type { Address } from 'viem';
import { callAtBlock, type PinnedCall } from '../chain/pinned-calls.ts';
import { RpcCallError, StateUnavailableError } from '../chain/rpc-errors.ts';
import { bitmapWords, loadPoolsWithReader } from './pool-reader.ts';

export { bitmapWords };
import type { RpcPool } from '../chain/rpc-pool.ts';
import type { BlockRef } from '../chain/types.ts';
import { RuntimeFault } from '../errors.ts';
import { encodeCall, SELECTORS, signedWordAt, wordAt } from './abi-words.ts';
import type { TrackedPoolInput } from './market-state.ts';
import { createPool } from './pool.ts';
import type { HexAddress, SnapshotToken } from './snapshot.ts';

/**
 * Loads pool state from the chain at one block hash, in JSON-RPC batches: V2 `getReserves`;
 * V3 `slot0`, `liquidity`, then every `tickBitmap` word of the pool's tick range and `ticks(t)`
 * for each set bit (liquidityGross and liquidityNet), so the tick map is the chain's, exactly.
 */

/** What must be known about a pool before its state is read (from discovery or a snapshot). */
export interface PoolDescriptor {
  protocol: 'uniswap-v2' | 'uniswap-v3';
  address: HexAddress;
  fee: number;
  tickSpacing?: number;
  token0: SnapshotToken;
  token1: SnapshotToken;
}

/** A pool's state could not be read (a call reverted or answered nonsense). */
export class PoolLoadError extends RuntimeFault {}


function fail(pool: PoolDescriptor, what: string, cause?: unknown): never {
  throw new PoolLoadError(`pool ${pool.address} (${pool.protocol}): ${what}`, { details: { pool: pool.address }, cause });
}

async function run(rpc: RpcPool, at: BlockRef, calls: PinnedCall[], owners: PoolDescriptor[], what: string): Promise<`0x${string}`[]> {
  const results = await callAtBlock(rpc, at.hash, calls);
  return results.map((r, i) => {
    if (!r.ok) fail(owners[i] as PoolDescriptor, `${what} failed at block ${at.number}: ${r.error.rpcMessage}`, r.error);
    if (r.data === '0x') fail(owners[i] as PoolDescriptor, `${what} returned no data at block ${at.number} (no contract there?)`);
    return r.data;
  });
}

/** How to read: through the PoolStateReader placed by a state override (default), or call by call. */
export interface LoadOptions {
  useReader?: boolean;
}

/**
 * Reads `pools` at block `at`; results in the order given. The reader (one eth_call for many
 * pools) is tried first; a node without state overrides, or a pool that makes it revert, falls
 * back to plain batched calls, which also name the pool at fault.
 */
export async function loadPools(rpc: RpcPool, at: BlockRef, pools: readonly PoolDescriptor[], options: LoadOptions = {}): Promise<TrackedPoolInput[]> {
  if (options.useReader !== false && pools.length > 0) {
    try {
      return await loadPoolsWithReader(rpc, at, pools);
    } catch (error) {
      // Pruned state is no reason to read call by call: every call would get the same answer.
      if (!(error instanceof RpcCallError) || error instanceof StateUnavailableError) throw error;
    }
  }
  return loadPoolsByCalls(rpc, at, pools);
}

async function loadPoolsByCalls(rpc: RpcPool, at: BlockRef, pools: readonly PoolDescriptor[]): Promise<TrackedPoolInput[]> {
  const v2 = pools.filter((p) => p.protocol === 'uniswap-v2');
  const v3 = pools.filter((p) => p.protocol === 'uniswap-v3');
  const loaded = new Map<string, TrackedPoolInput>();

  const reserves = await run(rpc, at, v2.map((p) => ({ to: p.address as Address, data: encodeCall(SELECTORS.getReserves) })), v2, 'getReserves()');
  v2.forEach((p, i) => {
    const data = reserves[i] as `0x${string}`;
    loaded.set(p.address, {
      snapshot: { protocol: 'uniswap-v2', address: p.address, fee: p.fee, token0: p.token0, token1: p.token1, reserve0: wordAt(data, 0), reserve1: wordAt(data, 1) },
    });
  });

  // Round 1: slot0, liquidity and every bitmap word of every V3 pool.
  const round1: PinnedCall[] = [];
  const owners1: PoolDescriptor[] = [];
  const words = new Map<string, number[]>();
  for (const p of v3) {
    if (p.tickSpacing === undefined || !(p.tickSpacing > 0)) fail(p, `tickSpacing ${p.tickSpacing} is not a positive integer`);
    round1.push({ to: p.address as Address, data: encodeCall(SELECTORS.slot0) }, { to: p.address as Address, data: encodeCall(SELECTORS.liquidity) });
    owners1.push(p, p);
    const { first, last } = bitmapWords(p.tickSpacing);
    const positions: number[] = [];
    for (let w = first; w <= last; w += 1) {
      positions.push(w);
      round1.push({ to: p.address as Address, data: encodeCall(SELECTORS.tickBitmap, w) });
      owners1.push(p);
    }
    words.set(p.address, positions);
  }
  const answers1 = await run(rpc, at, round1, owners1, 'slot0/liquidity/tickBitmap');

  // Round 2: ticks(t) for each set bit.
  const round2: PinnedCall[] = [];
  const owners2: PoolDescriptor[] = [];
  const tickLists = new Map<string, number[]>();
  const partial = new Map<string, { sqrtPriceX96: bigint; tick: number; liquidity: bigint }>();
  let k = 0;
  for (const p of v3) {
    const slot0 = answers1[k++] as `0x${string}`;
    const liquidity = wordAt(answers1[k++] as `0x${string}`, 0);
    partial.set(p.address, { sqrtPriceX96: wordAt(slot0, 0), tick: Number(signedWordAt(slot0, 1, 24)), liquidity });
    const initialized: number[] = [];
    for (const w of words.get(p.address) as number[]) {
      let bits = wordAt(answers1[k++] as `0x${string}`, 0);
      for (let bit = 0; bits !== 0n; bit += 1, bits >>= 1n) {
        if ((bits & 1n) === 1n) initialized.push((w * 256 + bit) * (p.tickSpacing as number));
      }
    }
    tickLists.set(p.address, initialized);
    for (const t of initialized) {
      round2.push({ to: p.address as Address, data: encodeCall(SELECTORS.ticks, t) });
      owners2.push(p);
    }
  }
  const answers2 = await run(rpc, at, round2, owners2, 'ticks(int24)');
  k = 0;
  for (const p of v3) {
    const entries = (tickLists.get(p.address) as number[]).map((tick) => {
      const data = answers2[k++] as `0x${string}`;
      return { tick, liquidityGross: wordAt(data, 0), liquidityNet: signedWordAt(data, 1, 128) };
    });
    loaded.set(p.address, {
      snapshot: {
        protocol: 'uniswap-v3',
        address: p.address,
        fee: p.fee,
        tickSpacing: p.tickSpacing as number,
        token0: p.token0,
        token1: p.token1,
        ...(partial.get(p.address) as { sqrtPriceX96: bigint; tick: number; liquidity: bigint }),
        ticks: entries.map((e) => ({ tick: e.tick, liquidityNet: e.liquidityNet })),
      },
      liquidityGross: new Map(entries.map((e) => [e.tick, e.liquidityGross])),
    });
  }
  return pools.map((p) => loaded.get(p.address) as TrackedPoolInput);
}

/** The outcome for one pool: loaded, or excluded with the reason. */
export type PoolLoadOutcome = { pool: TrackedPoolInput } | { address: string; reason: string };

/**
 * Like loadPools, but a pool that cannot be read (a reverting call, no contract) or modelled
 * (an uninitialized V3 pool, a tick inconsistent with its price) is excluded with the reason
 * instead of failing the whole load. Outcomes in the order given. The node's own trouble is never
 * a pool's: a refused batch, or the block's state pruned (StateUnavailableError), is thrown.
 */
export async function loadPoolsExcludingFailures(rpc: RpcPool, at: BlockRef, descriptors: readonly PoolDescriptor[]): Promise<PoolLoadOutcome[]> {
  const outcome = new Map<string, PoolLoadOutcome>();
  let remaining = [...descriptors];
  while (remaining.length > 0) {
    try {
      const loaded = await loadPools(rpc, at, remaining);
      for (const pool of loaded) {
        try {
          if (pool.snapshot.protocol === 'uniswap-v3' && pool.snapshot.sqrtPriceX96 === 0n) throw new Error('not initialized (sqrtPriceX96 = 0)');
          createPool(pool.snapshot); // the model's own checks
          outcome.set(pool.snapshot.address, { pool });
        } catch (error) {
          outcome.set(pool.snapshot.address, { address: pool.snapshot.address, reason: `pool ${pool.snapshot.address}: ${(error as Error).message}` });
        }
      }
      remaining = [];
    } catch (error) {
      const bad = error instanceof PoolLoadError ? (error.details['pool'] as string | undefined) : undefined;
      if (bad === undefined) throw error;
      outcome.set(bad, { address: bad, reason: (error as Error).message });
      remaining = remaining.filter((d) => d.address !== bad);
    }
  }
  return descriptors.map((d) => outcome.get(d.address) as PoolLoadOutcome);
}
