import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { createBlockStream, MAX_BLOCKS_PER_FETCH, type BlockStream } from './block-stream.ts';
import { ReorgTooDeepError } from './rpc-errors.ts';
import { createRpcPool, type RpcPool } from './rpc-pool.ts';
import { ChainRecorder } from './testing/chain-recorder.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './testing/fault-injecting-proxy.ts';
import { parseBlockHeader, toQuantity, type BlockRef } from './types.ts';
import { mineTransfer } from './testing/forked-anvils.ts';
import { distinctBranch } from './testing/reorg-branch.ts';

let anvil: Anvil;
let pool: RpcPool;
// The same anvil seen as a node without the `finalized` tag (geth before the merge): there the
// depth rule alone decides finality. Node finality is tested in finality.test.ts.
let withoutTag: FaultInjectingProxy;
let depthOnly: RpcPool;

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return pool.request(method, params);
}

async function canonicalChain(from: bigint): Promise<BlockRef[]> {
  const head = BigInt((await rpc('eth_blockNumber')) as string);
  const blocks: BlockRef[] = [];
  for (let n = from; n <= head; n += 1n) blocks.push(parseBlockHeader(await rpc('eth_getBlockByNumber', [toQuantity(n), false])));
  return blocks;
}


async function streamFromHead(finalityDepth: number, through: RpcPool = pool): Promise<{ stream: BlockStream; recorder: ChainRecorder; base: BlockRef }> {
  const base = parseBlockHeader(await rpc('eth_getBlockByNumber', ['latest', false]));
  const recorder = new ChainRecorder(base);
  const stream = createBlockStream({ pool: through, from: base, finalityDepth, topics: [], isTracked: () => true, onEvent: recorder.onEvent });
  return { stream, recorder, base };
}

beforeAll(async () => {
  anvil = await startAnvil();
  pool = createRpcPool([anvil.rpcUrl], { timeoutMs: 2_000 });
  withoutTag = await startFaultInjectingProxy(anvil.rpcUrl);
  withoutTag.setNoFinalizedTag(true);
  depthOnly = createRpcPool([withoutTag.url], { timeoutMs: 2_000 });
});
afterAll(async () => {
  await withoutTag?.close();
  await anvil?.stop();
});

describe('block stream on a real anvil', () => {
  it('emits every block once, in order, and finalizes below the window (node without a finalized tag)', async () => {
    const { stream, recorder, base } = await streamFromHead(3, depthOnly);
    await rpc('anvil_mine', [toQuantity(7)]);
    await stream.sync();
    await rpc('anvil_mine', [toQuantity(2)]);
    await stream.sync();
    const canonical = await canonicalChain(base.number);
    expect(recorder.applied.map((b) => b.hash)).toEqual(canonical.map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
    const finalized = recorder.events.filter((e) => e.type === 'finalized').map((e) => (e.type === 'finalized' ? e.block.number : 0n));
    expect(finalized).toEqual([1n, 2n, 3n, 4n, 5n, 6n].map((k) => base.number + k));
    expect(stream.finality()).toMatchObject({ rule: 'depth', nodeSupport: 'none', nodeFinalized: null, unfinalizedBlocks: 3, finalized: { number: base.number + 6n } });
  });

  it('catches up 50 blocks in 4 requests: the head and the finalized block, the blocks in one batch, their logs in one batch', async () => {
    const { stream, recorder, base } = await streamFromHead(100, depthOnly);
    await stream.sync(); // the first look: whether the node has a finalized tag
    await rpc('anvil_mine', [toQuantity(50)]);
    const before = withoutTag.forwardedCalls.length;
    await stream.sync();
    const requests = withoutTag.forwardedCalls.slice(before);
    expect(requests.map((calls) => `${calls[0]} x${calls.length}`).sort()).toEqual(['eth_blockNumber x1', 'eth_getBlockByNumber x1', 'eth_getBlockByNumber x50', 'eth_getLogs x50']);
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
  });

  it('catches up more blocks than one batch holds, range after range', async () => {
    const { stream, recorder, base } = await streamFromHead(1_000, depthOnly);
    await stream.sync();
    await rpc('anvil_mine', [toQuantity(MAX_BLOCKS_PER_FETCH * 2 + 5)]);
    const before = withoutTag.forwardedCalls.length;
    await stream.sync();
    const blockBatches = withoutTag.forwardedCalls.slice(before).filter((calls) => calls.length > 1 && calls[0] === 'eth_getBlockByNumber');
    expect(blockBatches.map((calls) => calls.length)).toEqual([MAX_BLOCKS_PER_FETCH, MAX_BLOCKS_PER_FETCH, 5]);
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
  });

  it('rolls back to the common ancestor on anvil_reorg and re-applies the new branch', async () => {
    const { stream, recorder, base } = await streamFromHead(10);
    await rpc('anvil_mine', [toQuantity(6)]);
    await stream.sync();
    const before = recorder.applied.map((b) => b.hash);
    await rpc('anvil_reorg', [3, await distinctBranch(rpc)]);
    await stream.sync();
    const reorgs = recorder.events.filter((e) => e.type === 'reorg');
    expect(reorgs).toHaveLength(1);
    const reorg = reorgs[0];
    if (reorg?.type !== 'reorg') throw new Error('unreachable');
    expect(reorg.commonAncestor.number).toBe(base.number + 3n);
    expect(reorg.dropped.map((b) => b.hash)).toEqual(before.slice(4).reverse());
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
  });

  it('follows a chain that got shorter (evm_revert) and then grew again', async () => {
    const { stream, recorder, base } = await streamFromHead(10);
    const snapshotId = await rpc('evm_snapshot');
    await rpc('anvil_mine', [toQuantity(4)]);
    await stream.sync();
    await rpc('evm_revert', [snapshotId]);
    await mineTransfer(anvil.rpcUrl, 1n); // a block unlike the reverted one, and mined before we read
    await rpc('anvil_mine', [toQuantity(1)]);
    await stream.sync();
    expect(recorder.events.some((e) => e.type === 'reorg' && e.commonAncestor.hash === base.hash)).toBe(true);
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
  });

  it('stops with a clear error when a reorg is deeper than the window (node without a finalized tag)', async () => {
    const { stream } = await streamFromHead(2, depthOnly);
    await rpc('anvil_mine', [toQuantity(5)]);
    await stream.sync();
    await rpc('anvil_reorg', [4, await distinctBranch(rpc)]);
    await expect(stream.sync()).rejects.toThrow(ReorgTooDeepError);
    await expect(stream.sync()).rejects.toThrow(/deeper than the unfinalized window of 2 blocks/);
  });
});
