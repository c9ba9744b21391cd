import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { postJsonRpc } from './json-rpc-http.ts';
import { closeJsonRpcWs, postJsonRpcWs, WS_MAX_BATCH } from './json-rpc-ws.ts';
import { EndpointFault, RpcCallError } from './rpc-errors.ts';
import { createRpcPool } from './rpc-pool.ts';

// A real anvil answers over both transports; the faults (a server that never answers, one that
// drops the connection on the first message) are loopback WebSocket servers of the test's own.
let anvil: Anvil;
const servers: WebSocketServer[] = [];

/** A loopback WebSocket server that does `onMessage` with each message; its ws:// URL. */
async function faultyServer(onMessage: (close: () => void) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', (socket) => socket.on('message', () => onMessage(() => socket.terminate())));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  closeJsonRpcWs(anvil?.wsUrl);
  for (const server of servers) server.close();
  await anvil?.stop();
});

describe('JSON-RPC over a WebSocket', () => {
  it('answers a batch as HTTP does, in the order of the calls, a node error in its own place', async () => {
    const calls = [
      { method: 'eth_chainId', params: [] },
      { method: 'eth_getBlockByNumber', params: ['0x0', false] },
      { method: 'eth_call', params: [{ to: '0x0000000000000000000000000000000000000001', data: '0x' }, 'latest'] },
      { method: 'no_such_method', params: [] },
    ];
    const overWs = await postJsonRpcWs(anvil.wsUrl, calls, 5_000);
    const overHttp = await postJsonRpc(anvil.rpcUrl, calls, 5_000);
    const strip = (answers: { id?: unknown }[]): unknown[] => answers.map(({ id: _id, ...rest }) => rest);
    // anvil words an unknown method differently per transport: only that it is an error is compared.
    expect(strip(overWs.slice(0, 3))).toEqual(strip(overHttp.slice(0, 3)));
    expect(overWs[0]!.result).toBe('0x7a69');
    expect(overWs[3]!.error?.code).toBeLessThan(0);
    expect(overHttp[3]!.error?.code).toBeLessThan(0);
  });

  it('keeps many requests in flight on one connection and gives each its own answer', async () => {
    const numbers = Array.from({ length: 40 }, (_, i) => i);
    await anvilMine(anvil, 3);
    const answers = await Promise.all(numbers.map((i) => postJsonRpcWs(anvil.wsUrl, [{ method: 'eth_getBlockByNumber', params: [`0x${(i % 4).toString(16)}`, false] }], 5_000)));
    expect(answers.map(([a]) => BigInt((a!.result as { number: string }).number))).toEqual(numbers.map((i) => BigInt(i % 4)));
  });

  it('a connection that drops fails what waits on it as a network fault, and the next request opens a new one', async () => {
    let messages = 0;
    const url = await faultyServer((close) => {
      messages += 1;
      close();
    });
    const lost = await postJsonRpcWs(url, [{ method: 'eth_chainId', params: [] }], 5_000).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(EndpointFault);
    expect((lost as EndpointFault).kind).toBe('network');
    await expect(postJsonRpcWs(url, [{ method: 'eth_chainId', params: [] }], 5_000)).rejects.toBeInstanceOf(EndpointFault);
    // The second request reached the server on a connection of its own.
    expect(messages).toBe(2);
  });

  it('no answer within the timeout is a timeout fault; an aborted request rejects with its reason', async () => {
    const url = await faultyServer(() => undefined);
    const silent = await postJsonRpcWs(url, [{ method: 'eth_chainId', params: [] }], 150).catch((error: unknown) => error);
    expect((silent as EndpointFault).kind).toBe('timeout');
    const controller = new AbortController();
    const pending = postJsonRpcWs(url, [{ method: 'eth_chainId', params: [] }], 5_000, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('a refused connection is a network fault', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await postJsonRpcWs(url, [{ method: 'eth_chainId', params: [] }], 2_000).catch((error: unknown) => error);
    expect((refused as EndpointFault).kind).toBe('network');
  });
});

/** A loopback server answering each message with `reply(message, connection number from 1)` (undefined: silence); what it saw. */
async function scriptedServer(reply: (request: { id: number }[], connection: number) => unknown): Promise<{ url: string; connections: number; messages: string[] }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  const seen = { url: '', connections: 0, messages: [] as string[] };
  server.on('connection', (socket) => {
    const connection = ++seen.connections;
    socket.on('message', (data) => {
      seen.messages.push(data.toString());
      const answer = reply(JSON.parse(data.toString()) as { id: number }[], connection);
      if (answer !== undefined) socket.send(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  seen.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return seen;
}
const chainId = (request: { id: number }[]): unknown => request.map(({ id }) => ({ jsonrpc: '2.0', id, result: '0x1' }));
const one = [{ method: 'eth_chainId', params: [] }];

describe('JSON-RPC over a WebSocket: what a server can do wrong', () => {
  it('a message that is not an answer (null, a notification) is ignored: the process lives, the request times out', async () => {
    const server = await scriptedServer(() => null);
    const silent = await postJsonRpcWs(server.url, one, 200).catch((error: unknown) => error);
    expect((silent as EndpointFault).kind).toBe('timeout');
    const notifying = await scriptedServer(() => ({ jsonrpc: '2.0', method: 'eth_subscription', params: {} }));
    expect(((await postJsonRpcWs(notifying.url, one, 200).catch((error: unknown) => error)) as EndpointFault).kind).toBe('timeout');
  });

  it('a batch refused with one id-less error fails every request waiting at once, not at its timeout', async () => {
    let held: { id: number }[] | undefined;
    const server = await scriptedServer((request) => {
      if (held === undefined) {
        held = request; // the first request waits; the second is refused for both
        return undefined;
      }
      return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large' } };
    });
    const started = Date.now();
    const results = await Promise.allSettled([postJsonRpcWs(server.url, one, 10_000), postJsonRpcWs(server.url, one, 10_000)]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as EndpointFault).kind)).toEqual(['bad-response', 'bad-response']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a connection that goes silent is replaced after one timeout: the next request opens a new one', async () => {
    const server = await scriptedServer((request, connection) => (connection === 1 && server.messages.length > 1 ? undefined : chainId(request)));
    expect((await postJsonRpcWs(server.url, one, 2_000))[0]!.result).toBe('0x1');
    expect(((await postJsonRpcWs(server.url, one, 200).catch((error: unknown) => error)) as EndpointFault).kind).toBe('timeout');
    expect((await postJsonRpcWs(server.url, one, 2_000))[0]!.result).toBe('0x1');
    expect(server.connections).toBe(2);
  });

  it('a request given up while the connection opens is never sent', async () => {
    const server = await scriptedServer(chainId);
    const controller = new AbortController();
    const abandoned = postJsonRpcWs(server.url, [{ method: 'eth_abandoned', params: [] }], 2_000, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(abandoned).rejects.toThrow('caller gave up');
    // The next request on the same connection is answered; the server saw only it.
    expect((await postJsonRpcWs(server.url, one, 2_000))[0]!.result).toBe('0x1');
    expect(server.messages.map((m) => (JSON.parse(m) as { method: string }[])[0]!.method)).toEqual(['eth_chainId']);
  });

  it('an empty batch has an empty answer', async () => {
    const server = await scriptedServer(chainId);
    expect(await postJsonRpcWs(server.url, [], 200)).toEqual([]);
    expect(server.connections).toBe(0);
  });
});

describe('the pool over a WebSocket endpoint', () => {
  it('reads through it, gives a revert back unchanged, and fails over to HTTP when it drops connections', async () => {
    const pool = createRpcPool([anvil.wsUrl, anvil.rpcUrl], { budgetMs: 5_000 });
    expect(await pool.request('eth_chainId', [])).toBe('0x7a69');
    const [health] = pool.health();
    expect(health!.url).toBe(anvil.wsUrl);
    expect(health!.requests).toBe(1);
    expect(health!.failures).toBe(0);
    await expect(pool.request('eth_call', [{ to: '0x0000000000000000000000000000000000000001', data: '0x', gas: '0x1' }, 'latest'])).rejects.toBeInstanceOf(RpcCallError);

    // A batch larger than WS_MAX_BATCH goes over HTTP, even with the socket ranked first.
    const requestsBefore = pool.health().map((e) => e.requests);
    const big = await pool.batch(Array.from({ length: WS_MAX_BATCH + 1 }, () => ({ method: 'eth_chainId', params: [] })));
    expect(big.every((r) => r.ok && r.result === '0x7a69')).toBe(true);
    expect(pool.health().map((e, i) => e.requests - requestsBefore[i]!)).toEqual([0, 1]);
    expect((await pool.batch(Array.from({ length: WS_MAX_BATCH }, () => ({ method: 'eth_chainId', params: [] })))).length).toBe(WS_MAX_BATCH);
    expect(pool.health().map((e, i) => e.requests - requestsBefore[i]!)).toEqual([1, 1]);

    const dropping = await faultyServer((close) => close());
    const failing = createRpcPool([dropping, anvil.rpcUrl], { budgetMs: 5_000 });
    expect(await failing.request('eth_chainId', [])).toBe('0x7a69');
    const [ws, http] = failing.health();
    expect(ws!.failures).toBe(1);
    expect([http!.requests, http!.failures]).toEqual([1, 0]);
  });
});

async function anvilMine(node: Anvil, blocks: number): Promise<void> {
  await postJsonRpc(node.rpcUrl, [{ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] }], 5_000);
}
