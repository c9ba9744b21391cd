import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { postJsonRpc } from './json-rpc-http.ts';
import { closeJsonRpcWs, postJsonRpcWs } from './json-rpc-ws.ts';
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

describe('the pool over a WebSocket endpoint', () => {
  it('reads through it, gives a revert back unchanged, and fails over to HTTP when it drops connections', async () => {
    const pool = createRpcPool([anvil.wsUrl, anvil.rpcUrl], { budgetMs: 5_000 });
    expect(await pool.request('eth_chainId', [])).toBe('0x7a69');
    const [health] = pool.health();
    expect(health!.url).toBe(anvil.wsUrl);
    expect(health!.requests).toBe(1);
    expect(health!.failures).toBe(0);
    await expect(pool.request('eth_call', [{ to: '0x0000000000000000000000000000000000000001', data: '0x', gas: '0x1' }, 'latest'])).rejects.toBeInstanceOf(RpcCallError);

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
