import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { startNoiseFlow, type NoiseFlow } from '../devnet/flow.ts';
import { POOL_STATE_TOPICS } from '../market/pool-events.ts';
import { startChainMonitor, type ChainMonitor } from './monitor.ts';
import { createRpcPool, type RpcPool } from './rpc-pool.ts';
import { ChainRecorder } from './testing/chain-recorder.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './testing/fault-injecting-proxy.ts';
import type { HeadMode } from './heads.ts';
import { parseBlockHeader, toQuantity, type BlockEvent, type ChainLog } from './types.ts';

// Two endpoints (fault-injecting proxies) in front of one real anvil, seeded with the devnet's
// Uniswap pools. Faults go to the first, the primary; the stream must keep following the chain
// through the second, and deliver the logs of the tracked pools (real swaps made during the
// faults) exactly once, in order.
let devnet: Devnet;
let flow: NoiseFlow;
let direct: RpcPool;
let a: FaultInjectingProxy;
let b: FaultInjectingProxy;

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(25);
  }
}

beforeAll(async () => {
  devnet = await startDevnet();
  direct = createRpcPool([devnet.anvil.rpcUrl]);
  flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 11, swapsPerBlock: 2 });
  a = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
  b = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await devnet?.stop();
});

describe('failover through a fault-injecting JSON-RPC proxy', () => {
  it('follows the chain through 429, 500, timeouts, a lagging head and a dropped WebSocket without skipping or repeating a block or a pool log', async () => {
    const tracked = new Set<string>(devnet.seeded.localSnapshot.pools.map((p) => p.address.toLowerCase()));
    const base = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
    const recorder = new ChainRecorder(base);
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 300, budgetMs: 15_000, backoff: { baseMs: 20, maxMs: 200 }, recoveryHalfLifeMs: 100, lagPenaltyMs: 300 });
    const modes: HeadMode[] = [];
    const transient: unknown[] = [];
    const monitor: ChainMonitor = startChainMonitor({
      pool,
      wsUrls: [a.wsUrl, b.wsUrl],
      from: base,
      finalityDepth: 16,
      pollIntervalMs: 100,
      topics: POOL_STATE_TOPICS,
      isTracked: (address) => tracked.has(address.toLowerCase()),
      onEvent: recorder.onEvent,
      onTransientError: (e) => transient.push(e),
      onModeChange: (mode) => modes.push(mode),
    });
    // The chain keeps moving the whole time, written straight to anvil: real swaps on the
    // tracked pools (automine: a block each, with Swap/Sync logs) and an empty block, every ~40 ms.
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await flow.step();
        await direct.request('anvil_mine', [toQuantity(1)]);
        await wait(40);
      }
    })();
    try {
      await until('the WebSocket subscription', () => monitor.status().mode === 'websocket');
      a.inject('429', 6);
      a.inject('500', 6);
      a.inject('timeout', 3);
      await until('every injected HTTP fault to be hit', () => a.stats.faulted >= 15).catch((e: unknown) => {
        throw new Error(`${String(e)}: a=${JSON.stringify(a.stats)} b=${JSON.stringify(b.stats)} status=${JSON.stringify(monitor.status(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))} health=${JSON.stringify(pool.health(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))} transient=${transient.map(String).join(' | ')}`);
      });
      a.setLag(5);
      await until('the lagging primary to be found out', () => {
        const primary = pool.health()[0];
        return primary?.lagging === true || /behind/.test(primary?.lastError ?? '');
      });
      await wait(300);
      a.dropWebSockets(true);
      await until('polling after the socket drop', () => modes.includes('polling'));
      await wait(500);
      a.setLag(0);
      b.dropWebSockets(false); // the socket on b (if we moved there) drops too, then comes back
      await wait(500);
      a.dropWebSockets(false);
      await until('the WebSocket again', () => monitor.status().mode === 'websocket');
      await wait(300);
    } finally {
      mining = false;
      await miner;
    }
    const head = BigInt((await direct.request('eth_blockNumber', [])) as string);
    await monitor.syncNow();
    await until('the monitor to reach the head', () => monitor.status().tip.number === head);
    await monitor.stop();

    const canonical = [];
    for (let n = base.number; n <= head; n += 1n) {
      canonical.push(parseBlockHeader(await direct.request('eth_getBlockByNumber', [toQuantity(n), false])).hash);
    }
    expect(recorder.applied.map((x) => x.hash)).toEqual(canonical);
    // Every log of the tracked pools in every canonical block, as the node lists them, exactly
    // once and in order: the block events' logs, concatenated, are that list.
    const logKey = (l: ChainLog): string => `${l.blockNumber}:${l.blockHash}:${l.logIndex}:${l.transactionHash}:${l.address.toLowerCase()}:${l.data}`;
    const onChain = (await direct.request('eth_getLogs', [{ fromBlock: toQuantity(base.number + 1n), toBlock: toQuantity(head), topics: [[...POOL_STATE_TOPICS]] }])) as { blockNumber: string; blockHash: string; logIndex: string; transactionHash: string; address: string; data: string }[];
    const expected = onChain
      .filter((l) => tracked.has(l.address.toLowerCase()))
      .map((l) => `${BigInt(l.blockNumber)}:${l.blockHash}:${Number(l.logIndex)}:${l.transactionHash}:${l.address.toLowerCase()}:${l.data}`);
    const delivered = recorder.events.filter((e): e is BlockEvent => e.type === 'block').flatMap((e) => e.logs.map(logKey));
    console.log(`failover: ${recorder.applied.length - 1} blocks applied, ${delivered.length} pool logs delivered (${expected.length} on chain), flow ${JSON.stringify(flow.stats)}`);
    expect(delivered).toEqual(expected);
    expect(new Set(delivered).size).toBe(delivered.length);
    // Real swaps through the faults: many blocks carried pool logs.
    expect(new Set(delivered.map((k) => k.split(':')[0])).size).toBeGreaterThan(10);
    expect(recorder.appliedTwice).toEqual([]);
    expect(recorder.events.filter((e) => e.type === 'reorg')).toEqual([]);
    expect(head - base.number).toBeGreaterThan(20n);
    // The faults really happened and were seen as such.
    expect(a.stats.faulted).toBe(15);
    const health = pool.health();
    expect(health[0]?.failures).toBeGreaterThanOrEqual(15);
    expect(b.stats.forwarded).toBeGreaterThan(0);
    // Blocks announced over the socket were fetched by hash (one batch each) through the faults.
    // Whether a polled look ever finds two or more blocks at once, and which proxy then records the
    // batch (a lagging endpoint's share fails over call by call), is a matter of timing here: the
    // batched range by number is asserted deterministically in block-stream.test.ts.
    const sent = [...a.forwardedCalls, ...b.forwardedCalls];
    expect(sent.filter((calls) => calls[0] === 'eth_getBlockByHash').length).toBeGreaterThan(10);
    expect(modes).toContain('polling');
    expect(modes[modes.length - 1]).toBe('websocket');
  });
});
