import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { createBlockStream, type BlockStream } from './block-stream.ts';
import { FinalityTracker } from './finality.ts';
import { ReorgTooDeepError } from './rpc-errors.ts';
import { createRpcPool, type RpcPool } from './rpc-pool.ts';
import { ChainRecorder } from './testing/chain-recorder.ts';
import { parseBlockHeader, refOf, toQuantity, type BlockRef } from './types.ts';
import { distinctBranch } from './testing/reorg-branch.ts';

const ref = (number: bigint, tag = 'a'): BlockRef => ({ number, hash: `0x${tag.repeat(64)}` as Hex, parentHash: `0x${'0'.repeat(64)}` as Hex });

describe('finality rule: the lower of our depth and the node finalized block', () => {
  it('holds everything until the node has been asked, then follows the depth rule when the node has no finalized tag', () => {
    const finality = new FinalityTracker(3, 1_000);
    expect(finality.target(100n)).toBeNull();
    finality.noneReported();
    expect(finality.target(100n)).toEqual({ number: 97n, rule: 'depth' });
  });

  it('takes the node finalized block when it is lower, the depth rule when that is lower, and only blocks checked to be ours', () => {
    const finality = new FinalityTracker(3, 1_000);
    // Reported but below our window, or above our tip: not checked, so nothing is final yet.
    expect(finality.reportedFinalized(ref(40n), undefined)).toBe('unchecked');
    expect(finality.target(100n)).toBeNull();
    expect(finality.reportedFinalized(ref(60n, 'b'), ref(60n, 'c'))).toBe('not-ours');
    expect(finality.target(100n)).toBeNull();
    expect(finality.reportedFinalized(ref(60n), ref(60n))).toBe('accepted');
    expect(finality.target(100n)).toEqual({ number: 60n, rule: 'node' });
    expect(finality.target(62n)).toEqual({ number: 59n, rule: 'depth' });
    // A node that later says "none" (another endpoint) does not undo what it reported.
    finality.noneReported();
    expect(finality.target(100n)).toEqual({ number: 60n, rule: 'node' });
    // An older report never moves the node's finalized block back.
    finality.reportedFinalized(ref(50n), ref(50n));
    expect(finality.nodeFinalized?.number).toBe(60n);
    expect(finality.view()).toEqual({ nodeSupport: 'reported', nodeFinalized: ref(60n), nodeReported: 50n });
  });

  it('never keeps more than the window cap, and says so', () => {
    const finality = new FinalityTracker(3, 100);
    finality.reportedFinalized(ref(10n), ref(10n));
    expect(finality.target(500n)).toEqual({ number: 400n, rule: 'window-cap' });
  });
});

// One anvil of its own: its `finalized` tag is 64 blocks under its head (0 below that height).
let anvil: Anvil;
let pool: RpcPool;

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return pool.request(method, params);
}

async function nodeBlock(tag: string | bigint): Promise<BlockRef> {
  return refOf(parseBlockHeader(await rpc('eth_getBlockByNumber', [typeof tag === 'bigint' ? toQuantity(tag) : tag, false])));
}


async function streamFromHead(finalityDepth: number): Promise<{ stream: BlockStream; recorder: ChainRecorder; base: BlockRef }> {
  const base = await nodeBlock('latest');
  const recorder = new ChainRecorder(base);
  const stream = createBlockStream({ pool, from: base, finalityDepth, topics: [], isTracked: () => true, onEvent: recorder.onEvent });
  return { stream, recorder, base };
}

const finalizedNumbers = (recorder: ChainRecorder): bigint[] => recorder.events.flatMap((e) => (e.type === 'finalized' ? [e.block.number] : []));

beforeAll(async () => {
  anvil = await startAnvil();
  pool = createRpcPool([anvil.rpcUrl], { timeoutMs: 5_000 });
});
afterAll(async () => {
  await anvil?.stop();
});

describe('block stream finality on a real anvil', () => {
  it('finalizes no deeper than the node: a 3-block depth waits for the node finalized block, 64 under the head', async () => {
    const { stream, recorder, base } = await streamFromHead(3);
    await rpc('anvil_mine', [toQuantity(40)]);
    await stream.sync();
    // The node's finalized block is not above where we started: nothing new is final.
    expect((await nodeBlock('finalized')).number).toBeLessThanOrEqual(base.number);
    expect(finalizedNumbers(recorder)).toEqual([]);
    expect(stream.finality()).toMatchObject({ finalized: null, nodeSupport: 'reported', unfinalizedBlocks: 40 });

    await rpc('anvil_mine', [toQuantity(60)]);
    await stream.sync();
    const nodeFinalized = await nodeBlock('finalized');
    expect(nodeFinalized.number).toBe(base.number + 100n - 64n);
    // Exactly the node's finalized block (same hash as ours), far above the depth rule's tip - 3.
    const last = recorder.events.filter((e) => e.type === 'finalized').at(-1);
    expect(last?.type === 'finalized' && last.block).toEqual(nodeFinalized);
    expect(stream.finality()).toMatchObject({ rule: 'node', nodeFinalized, unfinalizedBlocks: 64, finalized: nodeFinalized });
    expect(finalizedNumbers(recorder).every((n) => n <= nodeFinalized.number)).toBe(true);

    // The node finalizes as blocks come: each sync follows it.
    await rpc('anvil_mine', [toQuantity(5)]);
    await stream.sync();
    expect(stream.finality().finalized).toEqual(await nodeBlock('finalized'));
    expect(stream.finality().unfinalizedBlocks).toBe(64);
  });

  it('keeps its own depth when that is deeper than the node finalized block', async () => {
    const { stream, recorder } = await streamFromHead(100);
    await rpc('anvil_mine', [toQuantity(130)]);
    await stream.sync();
    const tip = stream.tip();
    expect(stream.finality()).toMatchObject({ rule: 'depth', unfinalizedBlocks: 100, finalized: await nodeBlock(tip.number - 100n) });
    expect(stream.finality().nodeFinalized?.number).toBe(tip.number - 64n);
    expect(finalizedNumbers(recorder).at(-1)).toBe(tip.number - 100n);
  });

  it('rolls back a reorg deeper than its depth rule while the node has not finalized those blocks', async () => {
    const { stream, recorder } = await streamFromHead(3);
    await rpc('anvil_mine', [toQuantity(20)]);
    await stream.sync();
    const before = recorder.applied.map((b) => b.hash);
    // 10 blocks deep: beyond a 3-block window, above the node's finalized block. N-deep alone
    // would have dropped these blocks from the window and stopped with ReorgTooDeepError.
    await rpc('anvil_reorg', [10, await distinctBranch(rpc)]);
    await stream.sync();
    const reorgs = recorder.events.filter((e) => e.type === 'reorg');
    expect(reorgs).toHaveLength(1);
    expect(reorgs[0]?.type === 'reorg' && reorgs[0].dropped.map((b) => b.hash)).toEqual(before.slice(-10).reverse());
    expect(recorder.applied.at(-1)?.hash).toBe((await nodeBlock('latest')).hash);
    expect(recorder.appliedTwice).toEqual([]);
  });

  it('stops with ReorgTooDeepError when a reorg removes the node finalized block, inside or below our window', async () => {
    // Depth 100 > 64: the node's finalized block sits inside our window; anvil_reorg ignores finality.
    const inside = await streamFromHead(100);
    await rpc('anvil_mine', [toQuantity(120)]);
    await inside.stream.sync();
    const nodeFinalized = inside.stream.finality().nodeFinalized;
    expect(nodeFinalized?.number).toBe(inside.stream.tip().number - 64n);
    await rpc('anvil_reorg', [70, await distinctBranch(rpc)]);
    await expect(inside.stream.sync()).rejects.toThrow(ReorgTooDeepError);
    await expect(inside.stream.sync()).rejects.toThrow(`reorg below the node's finalized block ${nodeFinalized?.number} (${nodeFinalized?.hash})`);
    // The reorg really was 70 deep and within our 100-block window: only finality forbade it.
    expect(inside.stream.finality().unfinalizedBlocks).toBeGreaterThan(70);

    // Depth 3: the node's finalized block is our anchor.
    const anchored = await streamFromHead(3);
    await rpc('anvil_mine', [toQuantity(80)]);
    await anchored.stream.sync();
    expect(anchored.stream.finality()).toMatchObject({ rule: 'node', unfinalizedBlocks: 64 });
    await rpc('anvil_reorg', [66, await distinctBranch(rpc)]);
    await expect(anchored.stream.sync()).rejects.toThrow(/reorg below the node's finalized block/);
  });
});
