import { decodeFunctionResult, encodeFunctionData, type Address, type Hex } from 'viem';
import type { RpcPool } from '../chain/rpc-pool.ts';
import type { BlockRef } from '../chain/types.ts';
import { poolStateReaderAbi } from '../contracts/abis/PoolStateReader.ts';
import { loadArtifact } from '../contracts/compile.ts';
import type { TrackedPoolInput } from './market-state.ts';
import type { PoolDescriptor } from './pool-loader.ts';
import { RpcCallError } from '../chain/rpc-errors.ts';

/**
 * Pool state through contracts/chain/PoolStateReader.sol placed at a scratch address by an
 * `eth_call` state override: one call reads hundreds of V2 pairs, or several V3 pools with their
 * whole tick maps (gross and net), instead of one call per bitmap word. Calls are sized to stay
 * well under the usual 50 M gas cap of `eth_call`, and pinned to the block hash like every read.
 */

/** Nobody's address: the reader's code exists there only inside our calls. */
export const READER_ADDRESS = '0x00000000000000000000000000000000005eade1' as Address;
const V2_PER_CALL = 500;
/** Bitmap words scanned per call (~3k gas each, cold storage included). */
const WORDS_PER_CALL = 4_000;
const TWO_256 = 1n << 256n;
const MIN_TICK = -887272;
const MAX_TICK = 887272;
const signed = (v: bigint): bigint => (v >= 1n << 255n ? v - TWO_256 : v);

let code: Hex | undefined;

async function call(rpc: RpcPool, at: BlockRef, data: Hex[]): Promise<bigint[][]> {
  code ??= (await loadArtifact('PoolStateReader')).deployedBytecode;
  const overrides = { [READER_ADDRESS]: { code } };
  const results = await rpc.batch(data.map((d) => ({ method: 'eth_call', params: [{ to: READER_ADDRESS, data: d }, { blockHash: at.hash }, overrides] })));
  return results.map((r) => {
    if (!r.ok) throw r.error;
    if (r.result === '0x') throw new RpcCallError('eth_call', 0, 'PoolStateReader returned nothing (state override ignored?)', null, '');
    // readV2 and readV3 both return one uint256[]: either decodes it.
    return [...(decodeFunctionResult({ abi: poolStateReaderAbi, functionName: 'readV2', data: r.result as Hex }) as readonly bigint[])];
  });
}

/** Word positions of the bitmap a pool of this spacing can use. */
export function bitmapWords(tickSpacing: number): { first: number; last: number } {
  const compress = (tick: number): number => Math.floor(tick / tickSpacing);
  return { first: compress(MIN_TICK) >> 8, last: compress(MAX_TICK) >> 8 };
}

/** Reads every pool through the reader; throws RpcCallError if the node or a pool refuses. */
export async function loadPoolsWithReader(rpc: RpcPool, at: BlockRef, pools: readonly PoolDescriptor[]): Promise<TrackedPoolInput[]> {
  const v2 = pools.filter((p) => p.protocol === 'uniswap-v2');
  const v3 = pools.filter((p) => p.protocol === 'uniswap-v3');
  const v2Groups: PoolDescriptor[][] = [];
  for (let i = 0; i < v2.length; i += V2_PER_CALL) v2Groups.push(v2.slice(i, i + V2_PER_CALL));
  const v3Groups: PoolDescriptor[][] = [];
  let words = 0;
  for (const p of v3) {
    const { first, last } = bitmapWords(p.tickSpacing as number);
    const w = last - first + 1;
    if (v3Groups.length === 0 || words + w > WORDS_PER_CALL) {
      v3Groups.push([]);
      words = 0;
    }
    (v3Groups[v3Groups.length - 1] as PoolDescriptor[]).push(p);
    words += w;
  }
  const data: Hex[] = [
    ...v2Groups.map((g) => encodeFunctionData({ abi: poolStateReaderAbi, functionName: 'readV2', args: [g.map((p) => p.address as Address)] })),
    ...v3Groups.map((g) => encodeFunctionData({ abi: poolStateReaderAbi, functionName: 'readV3', args: [g.map((p) => p.address as Address), g.map((p) => p.tickSpacing as number)] })),
  ];
  const answers = await call(rpc, at, data);
  const loaded = new Map<string, TrackedPoolInput>();
  v2Groups.forEach((group, g) => {
    const out = answers[g] as bigint[];
    group.forEach((p, i) => {
      loaded.set(p.address, { snapshot: { protocol: 'uniswap-v2', address: p.address, fee: p.fee, token0: p.token0, token1: p.token1, reserve0: out[2 * i] as bigint, reserve1: out[2 * i + 1] as bigint } });
    });
  });
  v3Groups.forEach((group, g) => {
    const out = answers[v2Groups.length + g] as bigint[];
    let k = 0;
    for (const p of group) {
      const sqrtPriceX96 = out[k++] as bigint;
      const tick = Number(signed(out[k++] as bigint));
      const liquidity = out[k++] as bigint;
      const n = Number(out[k++] as bigint);
      const ticks: { tick: number; liquidityNet: bigint }[] = [];
      const gross = new Map<number, bigint>();
      for (let j = 0; j < n; j += 1) {
        const t = Number(signed(out[k++] as bigint));
        ticks.push({ tick: t, liquidityNet: signed(out[k++] as bigint) });
        gross.set(t, out[k++] as bigint);
      }
      loaded.set(p.address, {
        snapshot: { protocol: 'uniswap-v3', address: p.address, fee: p.fee, tickSpacing: p.tickSpacing as number, token0: p.token0, token1: p.token1, sqrtPriceX96, tick, liquidity, ticks },
        liquidityGross: gross,
      });
    }
  });
  return pools.map((p) => loaded.get(p.address) as TrackedPoolInput);
}
