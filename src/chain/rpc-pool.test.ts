import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { backoffDelay } from './backoff.ts';
import { classifyRpcError } from './json-rpc-http.ts';
import { AllEndpointsFailedError, EndpointFault, RpcCallError, StateUnavailableError } from './rpc-errors.ts';
import { createRpcPool } from './rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './testing/fault-injecting-proxy.ts';

describe('backoff with jitter', () => {
  it('doubles up to the cap and keeps at least half of each step', () => {
    const options = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('JSON-RPC error classification', () => {
  it('fails over on rate limits and lagging nodes, hands reverts and "too many results" to the caller', () => {
    expect(classifyRpcError('eth_call', { code: 3, message: 'execution reverted' }, 'u')).toBeInstanceOf(RpcCallError);
    expect(classifyRpcError('eth_getLogs', { code: -32005, message: 'query returned more than 10000 results' }, 'u')).toBeInstanceOf(RpcCallError);
    expect(classifyRpcError('eth_getLogs', { code: -32005, message: 'limit exceeded' }, 'u')).toBeInstanceOf(EndpointFault);
    expect(classifyRpcError('eth_call', { code: -32000, message: 'header not found' }, 'u')).toBeInstanceOf(EndpointFault);
    expect(classifyRpcError('eth_call', { code: -32602, message: 'invalid argument 0' }, 'u')).toBeInstanceOf(RpcCallError);
  });

  it('tells a node that pruned the block\'s state from a node behind and from a missing method', () => {
    for (const message of [
      'missing trie node 5be1d0c3a1f2e4d6b8a0c2e4f6081a2b3c4d5e6f708192a3b4c5d6e7f8091a2b (path ) <nil>',
      'historical state 5be1d0c3a1f2e4d6b8a0c2e4f6081a2b3c4d5e6f708192a3b4c5d6e7f8091a2b is not available',
      'state at block #19000000 is pruned',
    ]) {
      expect(classifyRpcError('eth_call', { code: -32000, message }, 'u')).toBeInstanceOf(StateUnavailableError);
    }
    expect(classifyRpcError('eth_call', { code: -32000, message: 'header not found' }, 'u')).not.toBeInstanceOf(StateUnavailableError);
    expect(classifyRpcError('eth_callBundle', { code: -32601, message: 'the method eth_callBundle does not exist/is not available' }, 'u')).not.toBeInstanceOf(StateUnavailableError);
  });
});

describe('endpoint pool on a real anvil behind fault injectors', () => {
  let anvil: Anvil;
  let a: FaultInjectingProxy;
  let b: FaultInjectingProxy;
  beforeAll(async () => {
    anvil = await startAnvil();
    a = await startFaultInjectingProxy(anvil.rpcUrl);
    b = await startFaultInjectingProxy(anvil.rpcUrl);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await anvil?.stop();
  });

  it('answers a batch in order with per-call errors, through a 500 on the primary', async () => {
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 500, maxBatchSize: 2 });
    a.inject('500', 1);
    const results = await pool.batch([
      { method: 'eth_chainId', params: [] },
      { method: 'eth_call', params: [{ to: '0x0000000000000000000000000000000000000000', data: '0x' }, 'latest'] },
      { method: 'eth_getBalance', params: ['0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', 'latest'] },
      { method: 'no_such_method', params: [] },
    ]);
    expect(results[0]).toEqual({ ok: true, result: '0x7a69' });
    expect(results[1]).toEqual({ ok: true, result: '0x' });
    expect(results[2]?.ok && BigInt(results[2].result as string)).toBe(10_000n * 10n ** 18n);
    expect(results[3]?.ok).toBe(false);
    expect(a.stats.faulted).toBe(1);
    expect(pool.health()[0]?.failures).toBe(1);
  });

  it('applies requireResult and notFoundIsNull per call of a batch: a null fails the chunk over, a "not found" is an answer', async () => {
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 500 });
    await pool.request('anvil_mine', ['0x1']);
    const head = (await pool.request('eth_getBlockByNumber', ['latest', false])) as { number: string; hash: string };
    a.setLag(1); // the primary has not seen the head block yet
    try {
      const unknownHash = `0x${'12'.repeat(32)}`;
      const [block, logs] = await pool.batch([
        { method: 'eth_getBlockByNumber', params: [head.number, false], requireResult: true },
        { method: 'eth_getLogs', params: [{ blockHash: unknownHash }], notFoundIsNull: true },
      ]);
      expect(block?.ok && (block.result as { hash: string }).hash).toBe(head.hash);
      expect(logs).toEqual({ ok: true, result: null });
      expect(pool.health()[0]?.lastError).toMatch(/returned null: endpoint behind/);
      // Without the flag, the same "unknown block" fails over to every endpoint.
      const strict = createRpcPool([b.url], { timeoutMs: 500, budgetMs: 200, backoff: { baseMs: 1_000, maxMs: 1_000 } });
      await expect(strict.batch([{ method: 'eth_getLogs', params: [{ blockHash: unknownHash }] }])).rejects.toThrow(AllEndpointsFailedError);
    } finally {
      a.setLag(0);
    }
  });

  it('times out a hanging endpoint and answers from the other', async () => {
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 200 });
    a.inject('timeout', 1);
    const [faultedBefore, bForwardedBefore] = [a.stats.faulted, b.stats.forwarded];
    expect(await pool.request('eth_chainId', [])).toBe('0x7a69');
    // What happened, not how long it took: the primary took the request and never answered, its
    // health says it timed out, and the answer came from the other endpoint.
    expect(a.stats.faulted).toBe(faultedBefore + 1);
    expect(b.stats.forwarded).toBe(bForwardedBefore + 1);
    const [primary, secondary] = pool.health();
    expect(primary?.lastError).toMatch(/no answer within 200 ms/);
    expect(primary?.failures).toBe(1);
    expect(secondary?.failures).toBe(0);
  });

  it('gives viem actions the same failover', async () => {
    const { createChainClients } = await import('./clients.ts');
    const { publicClient, wsUrls } = createChainClients([a.url, b.url, a.wsUrl], { timeoutMs: 500 });
    a.inject('500', 2);
    expect(await publicClient.getChainId()).toBe(31337);
    expect(await publicClient.getBalance({ address: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' })).toBe(10_000n * 10n ** 18n);
    expect(wsUrls).toEqual([a.wsUrl]);
  });

  it('skips a quarantined endpoint while another can be asked, says why in its health, and never stalls reads on it', async () => {
    // Proxies of its own: no fault left queued by another test.
    const [a, b] = [await startFaultInjectingProxy(anvil.rpcUrl), await startFaultInjectingProxy(anvil.rpcUrl)];
    onTestFinished(async () => {
      await a.close();
      await b.close();
    });
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 500 });
    const forwarded = (): [number, number] => [a.stats.forwarded, b.stats.forwarded];
    const readsFrom = async (count: number): Promise<[number, number]> => {
      const [beforeA, beforeB] = forwarded();
      for (let i = 0; i < count; i += 1) expect(await pool.request('eth_chainId', [])).toBe('0x7a69');
      return [a.stats.forwarded - beforeA, b.stats.forwarded - beforeB];
    };
    expect(await readsFrom(3)).toEqual([3, 0]); // the primary, as configured

    pool.setQuarantined(a.url, 'on another fork (test)');
    expect(pool.health().map((e) => e.quarantined)).toEqual(['on another fork (test)', null]);
    expect(await readsFrom(3)).toEqual([0, 3]);
    // The only other endpoint benched by a fault: the quarantined one answers rather than nobody.
    b.inject('500', 1);
    expect(await readsFrom(1)).toEqual([1, 0]);
    expect(b.stats.faulted).toBeGreaterThan(0);

    // All quarantined: reads go where they always went.
    const fresh = createRpcPool([a.url, b.url], { timeoutMs: 500 });
    fresh.setQuarantined(a.url, 'x');
    fresh.setQuarantined(b.url, 'y');
    const [beforeA] = forwarded();
    expect(await fresh.request('eth_chainId', [])).toBe('0x7a69');
    expect(a.stats.forwarded - beforeA).toBe(1);

    fresh.setQuarantined(a.url, null);
    expect(fresh.health().map((e) => e.quarantined)).toEqual([null, 'y']);
    expect(() => fresh.setQuarantined('http://127.0.0.1:1', 'z')).toThrow('cannot quarantine http://127.0.0.1:1: not an endpoint of this pool');
  });

  it('gives up with a message naming every endpoint when all fail', async () => {
    const pool = createRpcPool([a.url, b.url], { timeoutMs: 200, budgetMs: 300, backoff: { baseMs: 1_000, maxMs: 1_000 } });
    a.inject('429', 5);
    b.inject('500', 5);
    const error = await pool.request('eth_chainId', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllEndpointsFailedError);
    expect(String(error)).toContain(a.url);
    expect(String(error)).toContain(b.url);
  });
});

describe('endpoint list and viem clients', () => {
  it('splits ORION_RPC_URLS by scheme and names a bad entry', async () => {
    const { splitEndpoints } = await import('./endpoints.ts');
    expect(splitEndpoints(['http://127.0.0.1:8545', ' ws://127.0.0.1:8545 ', 'https://a.example'])).toEqual({
      http: ['http://127.0.0.1:8545', 'https://a.example'],
      ws: ['ws://127.0.0.1:8545'],
    });
    expect(() => splitEndpoints(['ftp://x'])).toThrow('ORION_RPC_URLS: "ftp://x" has scheme ftp:, expected http(s) or ws(s)');
    expect(() => splitEndpoints(['ws://127.0.0.1:1'])).toThrow(/at least one http\(s\) endpoint/);
  });
});
