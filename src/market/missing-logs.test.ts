import { encodeFunctionData, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlockStream, type BlockStream } from '../chain/block-stream.ts';
import { createRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader, parseLog, type BlockEvent, type BlockRef, type ChainLog } from '../chain/types.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { startNoiseFlow, type NoiseFlow } from '../devnet/flow.ts';
import { computeV2PairAddress } from '../devnet/pool-address.ts';
import { deployTestTokens } from '../devnet/test-token.ts';
import { sendAll } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { RetryableError } from '../errors.ts';
import { discoverPools } from './discovery.ts';
import { POOL_STATE_TOPICS } from './pool-events.ts';

/**
 * An endpoint that answers `eth_getLogs` with [] for a block that has the events (a log index
 * lagging its blocks, a faulty provider) made the market miss them silently. The block's
 * logsBloom says when an empty answer cannot be right: it is refused (asked again), and a second
 * empty answer is settled by the block's receipts. Real Uniswap events on anvil; the empty
 * answers come from the fault-injecting proxy in front of it.
 */
let devnet: Devnet;
let proxy: FaultInjectingProxy;
let rpc: RpcPool;
let flow: NoiseFlow;

beforeAll(async () => {
  devnet = await startDevnet();
  proxy = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
  rpc = createRpcPool([proxy.url], { budgetMs: 5_000 });
  flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 7, swapsPerBlock: 1 });
});
afterAll(async () => {
  await proxy?.close();
  await devnet?.stop();
});

/** The node's own logs of a block for these topics, past the proxy: the independent answer. */
async function anvilLogs(blockHash: string, topics: readonly string[], isTracked: (a: string) => boolean): Promise<ChainLog[]> {
  const raw = (await createRpcPool([devnet.anvil.rpcUrl]).request('eth_getLogs', [{ blockHash, topics: [topics] }])) as unknown[];
  return raw.map(parseLog).filter((l) => isTracked(l.address));
}

async function head(): Promise<BlockRef> {
  return parseBlockHeader(await createRpcPool([devnet.anvil.rpcUrl]).request('eth_getBlockByNumber', ['latest', false]));
}

/** A block stream through the proxy from the head, tracking `addresses`, and the blocks it emits. */
async function followFromHead(addresses: readonly string[]): Promise<{ stream: BlockStream; blocks: BlockEvent[]; isTracked: (a: string) => boolean }> {
  const tracked = new Set(addresses);
  const isTracked = (a: string): boolean => tracked.has(a);
  const blocks: BlockEvent[] = [];
  const stream = createBlockStream({
    pool: rpc, from: await head(), finalityDepth: 16, topics: POOL_STATE_TOPICS, isTracked, trackedAddresses: () => tracked,
    onEvent: (e) => {
      if (e.type === 'block') blocks.push(e);
    },
  });
  return { stream, blocks, isTracked };
}

describe('the follower', () => {
  it.each([
    ['refused once, the next answer holds them', 1, false, false],
    ['refused once, and the second empty answer settled by the receipts', 2, true, false],
    ['announced by newHeads (one batch by hash), refused once', 1, false, true],
    ['announced by newHeads (one batch by hash), settled by the receipts', 2, true, true],
  ])('takes every pool event of a block the endpoint answered with no logs: %s', async (_name, emptyAnswers, receiptsAsked, announced) => {
    const { stream, blocks, isTracked } = await followFromHead(devnet.seeded.localSnapshot.pools.map((p) => p.address));
    await stream.sync(); // learns whether the node has a finalized tag: the announced path needs it
    await flow.step();
    const swapped = await head();
    if (announced) stream.announce(parseBlockHeader(await createRpcPool([devnet.anvil.rpcUrl]).request('eth_getBlockByHash', [swapped.hash, false])));
    const expected = await anvilLogs(swapped.hash, POOL_STATE_TOPICS, isTracked);
    expect(expected.length).toBeGreaterThan(0); // the block holds real pool events
    proxy.emptyResults('eth_getLogs', emptyAnswers);
    const calls = proxy.forwardedCalls.length;
    await stream.sync();
    expect(blocks.map((b) => b.block.hash)).toEqual([swapped.hash]);
    expect(blocks[0]?.logs).toEqual(expected);
    const sent = proxy.forwardedCalls.slice(calls);
    expect(sent.flat().includes('eth_getBlockReceipts')).toBe(receiptsAsked);
    // The announced path asks by hash and never by number; the slow path asks the head first.
    expect(sent.flat().includes('eth_blockNumber')).toBe(!announced);
  });

  it('on a node without eth_getBlockReceipts, a doubted empty answer it cannot settle is a transient error (the monitor goes on), and no block is emitted without its events', async () => {
    const { stream, blocks, isTracked } = await followFromHead(devnet.seeded.localSnapshot.pools.map((p) => p.address));
    await flow.step();
    const swapped = await head();
    proxy.emptyResults('eth_getLogs', 2);
    proxy.setUnsupported('eth_getBlockReceipts', true);
    try {
      const failed = await stream.sync().then(() => null, (error: unknown) => error);
      expect(failed).toBeInstanceOf(RetryableError);
      expect((failed as Error).message).toContain('eth_getBlockReceipts failed: the method eth_getBlockReceipts does not exist');
      expect(blocks).toEqual([]);
    } finally {
      proxy.setUnsupported('eth_getBlockReceipts', false);
    }
    await stream.sync(); // the next look: an honest answer
    expect(blocks.map((b) => b.block.hash)).toEqual([swapped.hash]);
    expect(blocks[0]?.logs).toEqual(await anvilLogs(swapped.hash, POOL_STATE_TOPICS, isTracked));
  });

  it('takes an empty answer as it is when the bloom holds no tracked pool', async () => {
    const { stream, blocks } = await followFromHead(['0x00000000000000000000000000000000000000aa']); // emits nothing
    await flow.step();
    const calls = proxy.forwardedCalls.length;
    await stream.sync();
    expect(blocks.map((b) => b.logs)).toEqual([[]]);
    expect(proxy.forwardedCalls.slice(calls).flat().filter((m) => m === 'eth_getLogs')).toHaveLength(1);
  });
});

describe('discovery', () => {
  it('finds a pool created in a block the endpoint answered with no logs, or fails retryably; never "no pools"', async () => {
    const { v2Factory } = devnet.deployment;
    const [a, b] = (await deployTestTokens(devnet.clients, [1, 2].map((k) => ({ name: `Bloom${k}`, symbol: `B${k}`, decimals: 18 })))).map((t) => t.toLowerCase() as Address).sort() as [Address, Address];
    const abi = uniswapArtifact('UniswapV2Factory').abi;
    await sendAll(devnet.clients, [{ label: 'createPair', to: v2Factory, gas: 6_000_000n, data: encodeFunctionData({ abi, functionName: 'createPair', args: [a, b] }) }]);
    const created = await head();
    const pair = computeV2PairAddress(v2Factory, a, b).toLowerCase();
    const scan = () => discoverPools({ rpc, factories: [v2Factory, devnet.deployment.v3Factory], fromBlock: created.number - 1n, toBlock: created.number });

    proxy.emptyResults('eth_getLogs', 1);
    expect((await scan()).pools.map((p) => p.address)).toEqual([pair]);

    proxy.emptyResults('eth_getLogs', 2);
    const refused = await scan().then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(RetryableError);
    expect((refused as Error).message).toMatch(/receipts hold 1 pool creation event\(s\): the endpoint misses events/);
  });
});
