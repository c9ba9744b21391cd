import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlockStream, type BlockStream } from '../chain/block-stream.ts';
import { ReorgTooDeepError } from '../chain/rpc-errors.ts';
import { createRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader, type BlockRef, type ChainEvent } from '../chain/types.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { createRng, startNoiseFlow, type NoiseFlow } from '../devnet/flow.ts';
import { readPoolStates } from '../devnet/read-pools.ts';
import { MarketState } from './market-state.ts';
import { POOL_STATE_TOPICS } from './pool-events.ts';
import { loadPools, type PoolDescriptor } from './pool-loader.ts';
import { loadPoolsWithReader } from './pool-reader.ts';
import type { PoolSnapshot, V3PoolSnapshot } from './snapshot.ts';
import { createLiquidityActor, type LiquidityActor, type OpenPosition } from './testing/liquidity-actor.ts';
import type { TxRequest } from '../devnet/transactions.ts';

// The real Uniswap contracts on a local chain, seeded from the bundled snapshot; random swaps,
// mints and burns over many blocks; our state is compared with the chain's own, read through
// the devnet's lens contract at the same block, after every block.

let devnet: Devnet;
let rpc: RpcPool;
let withoutTag: FaultInjectingProxy;
let flow: NoiseFlow;
let actor: LiquidityActor;
let descriptors: PoolDescriptor[];

/** The state fields of pools, canonical (the key order of the objects does not matter). */
function json(pools: PoolSnapshot | PoolSnapshot[] | undefined): string {
  const one = (p: PoolSnapshot | undefined): string =>
    p === undefined ? 'none' : p.protocol === 'uniswap-v2'
      ? `${p.address} v2 ${p.reserve0} ${p.reserve1}`
      : `${p.address} v3 ${p.sqrtPriceX96} ${p.tick} ${p.liquidity} [${p.ticks.map((t) => `${t.tick}:${t.liquidityNet}`).join(' ')}]`;
  return Array.isArray(pools) ? pools.map(one).join('\n') : one(pools);
}

async function head(): Promise<BlockRef> {
  return parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
}

async function chainPools(blockNumber: bigint): Promise<PoolSnapshot[]> {
  return readPoolStates(devnet.clients, devnet.seeded.lens, devnet.seeded.localSnapshot.pools, blockNumber);
}

function ours(state: MarketState): PoolSnapshot[] {
  return devnet.seeded.localSnapshot.pools.map((p) => {
    const pool = state.pool(p.address);
    if (pool === undefined) throw new Error(`${p.address} is not tracked`);
    return pool.toSnapshot();
  });
}

/** A market state loaded at the head and a stream (over `through`) that applies and checks every block. */
async function follow(finalityDepth: number, through: RpcPool = rpc): Promise<{ state: MarketState; stream: BlockStream; checked: bigint[]; mismatches: string[] }> {
  const at = await head();
  const state = new MarketState(31337, at, await loadPools(rpc, at, descriptors));
  const checked: bigint[] = [];
  const mismatches: string[] = [];
  const stream = createBlockStream({
    pool: through,
    from: at,
    finalityDepth,
    topics: POOL_STATE_TOPICS,
    isTracked: (a) => state.isTracked(a),
    onEvent: async (event: ChainEvent) => {
      state.handle(event);
      if (event.type !== 'block') return;
      const expected = await chainPools(event.block.number);
      const actual = ours(state);
      expected.forEach((pool, i) => {
        if (json(pool) !== json(actual[i])) mismatches.push(`block ${event.block.number}: ${pool.address}`);
      });
      checked.push(event.block.number);
    },
  });
  return { state, stream, checked, mismatches };
}

beforeAll(async () => {
  devnet = await startDevnet();
  rpc = createRpcPool([devnet.anvil.rpcUrl]);
  withoutTag = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
  flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 7, swapsPerBlock: 3, maxSizeBps: 300 });
  actor = await createLiquidityActor(devnet);
  descriptors = devnet.seeded.localSnapshot.pools.map((p) => ({ ...p }));
});
afterAll(async () => {
  await withoutTag?.close();
  await flow?.stop();
  await devnet?.stop();
});

describe('market state against the real chain', () => {
  it('loads every pool exactly as the chain holds it (tick maps included)', async () => {
    const at = await head();
    const loaded = await loadPoolsWithReader(rpc, at, descriptors);
    expect(json(loaded.map((p) => p.snapshot))).toBe(json(await chainPools(at.number)));
    // The state-override reader and plain per-word calls agree, liquidityGross included.
    const byCalls = await loadPools(rpc, at, descriptors, { useReader: false });
    const gross = (l: typeof loaded): string => l.map((p) => [...(p.liquidityGross ?? new Map<number, bigint>()).entries()].join(';')).join('|');
    expect(json(byCalls.map((p) => p.snapshot))).toBe(json(loaded.map((p) => p.snapshot)));
    expect(gross(byCalls)).toBe(gross(loaded));
    expect(gross(loaded)).toMatch(/\d/);
    const v3 = loaded.flatMap((p) => (p.snapshot.protocol === 'uniswap-v3' ? [p.snapshot] : []));
    expect(v3.length).toBeGreaterThan(5);
    expect(v3.reduce((n, p) => n + p.ticks.length, 0)).toBeGreaterThan(100);
  });

  it('equals the chain at every block through random swaps, mints and burns', async () => {
    const { stream, checked, mismatches, state } = await follow(64);
    const rng = createRng(11);
    const v3 = devnet.seeded.localSnapshot.pools.filter((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3');
    const open: OpenPosition[] = [];
    let mints = 0;
    let burns = 0;
    for (let round = 0; round < 12; round += 1) {
      await flow.step();
      const requests: TxRequest[] = [];
      for (let k = 0; k < 3; k += 1) {
        const pool = v3[Math.floor(rng() * v3.length)] as V3PoolSnapshot;
        const current = state.pool(pool.address);
        requests.push(actor.mintRequest(pool, current?.protocol === 'uniswap-v3' ? current.tick : 0, rng));
        mints += 1;
      }
      const burnable = open.filter((p) => p.liquidity > 0n);
      for (let k = 0; k < 2 && burnable.length > 0; k += 1) {
        const position = burnable.splice(Math.floor(rng() * burnable.length), 1)[0] as OpenPosition;
        requests.push(actor.burnRequest(position, rng() < 0.5 ? 1 : rng()));
        burns += 1;
      }
      open.push(...(await actor.send(requests, v3)));
      await stream.sync();
    }
    expect(mismatches).toEqual([]);
    expect(checked.length).toBeGreaterThan(30);
    expect(mints).toBe(36);
    expect(burns).toBeGreaterThan(15);
  });

  it('rolls back on anvil_reorg and re-applies the new branch, ending equal to the chain', async () => {
    const { stream, mismatches, state } = await follow(16);
    for (let i = 0; i < 4; i += 1) await flow.step();
    await stream.sync();
    const before = state.block;
    await rpc.request('anvil_reorg', [3, []]);
    await stream.sync();
    expect(state.block?.number).toBe(before?.number);
    expect(state.block?.hash).not.toBe(before?.hash);
    await flow.step();
    await stream.sync();
    expect(mismatches).toEqual([]);
    expect(json(ours(state))).toBe(json(await chainPools((await head()).number)));
  });

  it('rolls back to an evm_snapshot after evm_revert, then follows the new blocks', async () => {
    const { stream, mismatches, state } = await follow(16);
    const snapshotId = await rpc.request('evm_snapshot', []);
    for (let i = 0; i < 3; i += 1) await flow.step();
    await stream.sync();
    await rpc.request('evm_revert', [snapshotId]);
    await flow.step();
    await stream.sync();
    expect(mismatches).toEqual([]);
    const tip = await head();
    expect(state.block?.hash).toBe(tip.hash);
    expect(json(ours(state))).toBe(json(await chainPools(tip.number)));
  });

  it('stops with a clear error on a reorg deeper than the window', async () => {
    // Seen as a node without the `finalized` tag, so the 2-block depth alone bounds the window
    // (anvil's own finalized block, 64 under its head, would keep these blocks rollable).
    withoutTag.setNoFinalizedTag(true);
    const { stream } = await follow(2, createRpcPool([withoutTag.url]));
    // Blocks that carry transactions: an empty block re-mined in the same second by anvil_reorg
    // gets the very same hash, and the "reorg" would then be invisible (a flaky pass/fail).
    for (let i = 0; i < 4; i += 1) await flow.step();
    await stream.sync();
    await rpc.request('anvil_reorg', [4, []]);
    await expect(stream.sync()).rejects.toThrow(ReorgTooDeepError);
  });
});
