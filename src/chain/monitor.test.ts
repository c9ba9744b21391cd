import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { startChainMonitor, type ChainMonitor } from './monitor.ts';
import { createRpcPool, type RpcPool } from './rpc-pool.ts';
import { ChainRecorder } from './testing/chain-recorder.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './testing/fault-injecting-proxy.ts';
import { mineTransfer } from './testing/forked-anvils.ts';
import { distinctBranch } from './testing/reorg-branch.ts';
import { MalformedAnswerError } from './answer-fields.ts';
import { parseBlockHeader, parseLog, toQuantity, type BlockRef } from './types.ts';

// The monitor following a real anvil over WebSocket newHeads, its HTTP reads through a loopback
// proxy that counts them: each HTTP request is one round trip. The watchdog poll is set far
// beyond the test's length, so every request after the start is caused by a newHeads message.
let anvil: Anvil;
let direct: RpcPool;
let proxy: FaultInjectingProxy;
let monitor: ChainMonitor | undefined;

/** What the fast path sends for one announced block: the block and its logs by hash, and the node's finalized block. */
const ONE_BLOCK_BATCH = ['eth_getBlockByHash', 'eth_getLogs', 'eth_getBlockByNumber'];

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function canonicalChain(from: bigint): Promise<BlockRef[]> {
  const head = BigInt((await direct.request('eth_blockNumber', [])) as string);
  const blocks: BlockRef[] = [];
  for (let n = from; n <= head; n += 1n) blocks.push(parseBlockHeader(await direct.request('eth_getBlockByNumber', [toQuantity(n), false])));
  return blocks;
}

/** A monitor from the current head over the proxy, subscribed and done with its first look. */
async function followFromHead(): Promise<{ monitor: ChainMonitor; recorder: ChainRecorder; base: BlockRef }> {
  const base = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
  const recorder = new ChainRecorder(base);
  const started = startChainMonitor({
    pool: createRpcPool([proxy.url], { timeoutMs: 2_000 }),
    wsUrls: [proxy.wsUrl],
    from: base,
    finalityDepth: 10,
    pollIntervalMs: 600_000,
    topics: [],
    isTracked: () => true,
    onEvent: recorder.onEvent,
  });
  monitor = started;
  await until('the WebSocket subscription', () => started.status().mode === 'websocket');
  // The look made on subscribing (and this one) learns the head and whether the node has a finalized tag.
  await started.syncNow();
  return { monitor: started, recorder, base };
}

beforeAll(async () => {
  anvil = await startAnvil();
  direct = createRpcPool([anvil.rpcUrl], { timeoutMs: 2_000 });
  proxy = await startFaultInjectingProxy(anvil.rpcUrl);
});
afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
  proxy.setLag(0);
});
afterAll(async () => {
  await proxy?.close();
  await anvil?.stop();
});

describe('chain monitor over WebSocket heads', () => {
  it('makes exactly one round trip per new block: the announced block, its logs and the finalized block in one batch', async () => {
    const { monitor, recorder, base } = await followFromHead();
    const perBlock: string[][][] = [];
    for (let i = 1; i <= 6; i += 1) {
      const before = proxy.forwardedCalls.length;
      const block = await mineTransfer(anvil.rpcUrl, BigInt(i)); // straight to anvil: not counted
      await until(`block ${block.number}`, () => monitor.status().tip.hash === block.hash);
      // Counted up to the next block's arrival, so a request made after a block's event is seen too.
      perBlock.push(proxy.forwardedCalls.slice(before));
    }
    expect(perBlock).toEqual(Array.from({ length: 6 }, () => [ONE_BLOCK_BATCH]));
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
    expect(monitor.status()).toMatchObject({ knownHead: base.number + 6n, lastError: null });
  });

  it('falls back to asking the head when the HTTP endpoint lacks the announced block, then takes every announced block in one batch', async () => {
    const { monitor, recorder, base } = await followFromHead();
    // The socket's node is one block ahead of the HTTP endpoint (a node behind another).
    proxy.setLag(1);
    let before = proxy.forwardedCalls.length;
    const first = await mineTransfer(anvil.rpcUrl, 11n);
    await until('the look after the unanswered batch', () => proxy.forwardedCalls.slice(before).some((calls) => calls.includes('eth_blockNumber')));
    await monitor.syncNow(); // whatever that look still does, done
    expect(proxy.forwardedCalls.slice(before)[0]).toEqual(ONE_BLOCK_BATCH);
    expect(monitor.status().tip.number).toBe(base.number);

    proxy.setLag(0);
    before = proxy.forwardedCalls.length;
    const second = await mineTransfer(anvil.rpcUrl, 12n);
    await until(`block ${second.number}`, () => monitor.status().tip.hash === second.hash);
    // Both announced blocks, linked to our tip, in one batch.
    expect(proxy.forwardedCalls.slice(before)).toEqual([['eth_getBlockByHash', 'eth_getLogs', 'eth_getBlockByHash', 'eth_getLogs', 'eth_getBlockByNumber']]);
    expect(recorder.applied.map((b) => b.hash)).toEqual([base.hash, first.hash, second.hash]);
    expect(recorder.appliedTwice).toEqual([]);
  });

  it('rolls back a reorg announced over the socket and follows the new branch', async () => {
    const { monitor, recorder, base } = await followFromHead();
    await direct.request('anvil_mine', [toQuantity(5)]);
    await until('5 blocks', () => monitor.status().tip.number === base.number + 5n);
    const before = recorder.applied.map((b) => b.hash);
    await direct.request('anvil_reorg', [3, await distinctBranch((method) => direct.request(method, []))]);
    const head = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
    // anvil_reorg may or may not announce the new branch: a look (as the watchdog poll would make) settles it.
    await monitor.syncNow();
    await until('the new branch', () => monitor.status().tip.hash === head.hash);
    const reorgs = recorder.events.filter((e) => e.type === 'reorg');
    expect(reorgs).toHaveLength(1);
    expect(reorgs[0]?.type === 'reorg' && reorgs[0].dropped.map((b) => b.hash)).toEqual(before.slice(-3).reverse());
    expect(recorder.applied.map((b) => b.hash)).toEqual((await canonicalChain(base.number)).map((b) => b.hash));
    expect(recorder.appliedTwice).toEqual([]);
  });
});

describe('chain monitor and malformed answers', () => {
  // A load-balanced provider under load answers now and then with a null result. Before, the
  // bare BigInt() of the head threw a TypeError, which the monitor took for a bug: it stopped
  // for good on the first such answer, and the market froze.
  it('retries a null head on the next look, naming the field, and goes on following', async () => {
    const base = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
    const recorder = new ChainRecorder(base);
    const transient: unknown[] = [];
    const started = startChainMonitor({
      pool: createRpcPool([proxy.url], { timeoutMs: 2_000 }), wsUrls: [], from: base, finalityDepth: 10, pollIntervalMs: 600_000,
      topics: [], isTracked: () => true, onEvent: recorder.onEvent, onTransientError: (error) => void transient.push(error),
    });
    monitor = started;
    let fatal: unknown = null;
    started.done.catch((error: unknown) => { fatal = error; });
    const block = await mineTransfer(anvil.rpcUrl, 1n);
    proxy.nullResults('eth_blockNumber', 1);
    await started.syncNow();
    expect(transient.map((e) => (e as Error).message)).toEqual(['malformed node answer: eth_blockNumber is null, not a hex quantity']);
    await started.syncNow();
    expect(started.status().tip.hash).toBe(block.hash);
    expect(started.status().lastError).toBeNull();
    expect(fatal).toBeNull();
  });

  it('reads a block or a log only when every field is well formed, naming the first that is not', () => {
    const block = { number: '0x10', hash: `0x${'ab'.repeat(32)}`, parentHash: `0x${'cd'.repeat(32)}`, timestamp: '0x5', gasLimit: '0x1c9c380', gasUsed: '0x0', baseFeePerGas: '0x7' };
    expect(parseBlockHeader(block)).toMatchObject({ number: 16n, timestamp: 5n, baseFeePerGas: 7n });
    expect(() => parseBlockHeader(null)).toThrow(MalformedAnswerError);
    expect(() => parseBlockHeader({ ...block, number: null })).toThrow('block.number is null, not a hex quantity');
    expect(() => parseBlockHeader({ ...block, hash: '0x12' })).toThrow('block.hash is "0x12", not a 32-byte hex hash');
    expect(() => parseBlockHeader({ ...block, gasUsed: 7 })).toThrow('block.gasUsed is 7, not a hex quantity');
    const log = { address: `0x${'11'.repeat(20)}`, topics: [`0x${'22'.repeat(32)}`], data: '0x', blockNumber: '0x10', blockHash: block.hash, transactionHash: `0x${'33'.repeat(32)}`, transactionIndex: '0x0', logIndex: '0x1' };
    expect(parseLog(log)).toMatchObject({ blockNumber: 16n, logIndex: 1, removed: false });
    expect(() => parseLog({ ...log, topics: null })).toThrow('log.topics is null, not a list');
    expect(() => parseLog({ ...log, topics: ['0x1'] })).toThrow('log.topics[0] is "0x1", not a 32-byte hex hash');
    expect(() => parseLog({ ...log, data: '0x1' })).toThrow('log.data is "0x1", not hex data');
    expect(() => parseLog({ ...log, logIndex: undefined })).toThrow('log.logIndex is nothing, not a hex quantity');
  });
});
