import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './http-post.ts';

/** A loopback server; `handle` gets each request with the count of requests its connection carried before. */
async function serve(handle: (request: IncomingMessage, response: ServerResponse, onConnection: number) => void): Promise<{ url: string; server: Server; seen: string[] }> {
  const perSocket = new WeakMap<Socket, number>();
  const seen: string[] = [];
  const server = createServer((request, response) => {
    const before = perSocket.get(request.socket) ?? 0;
    perSocket.set(request.socket, before + 1);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(body);
      handle(request, response, before);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server, seen };
}

let open: Server | undefined;
afterEach(async () => {
  open?.closeAllConnections();
  await new Promise((resolve) => open?.close(resolve) ?? resolve(undefined));
  open = undefined;
});

describe('postJson (kept-alive node:http)', () => {
  it('answers with the status, Retry-After and body, reusing one connection for requests in sequence', async () => {
    const sockets = new Set<string>();
    const { url, server } = await serve((request, response) => {
      sockets.add(`${request.socket.remotePort}`);
      response.writeHead(request.headers['content-type'] === 'application/json' ? 429 : 400, { 'retry-after': '3' }).end('{"jsonrpc":"2.0"}');
    });
    open = server;
    for (let i = 0; i < 3; i++) {
      expect(await postJson(url, '[]', AbortSignal.timeout(5_000))).toEqual({ status: 429, retryAfter: '3', text: '{"jsonrpc":"2.0"}' });
    }
    expect(sockets.size).toBe(1);
  });

  it('sends again, once, a request a kept-alive connection lost before any answer; never one lost on a new connection', async () => {
    // The second request on every connection is cut (the server closed it as the client wrote).
    const { url, server, seen } = await serve((_request, response, onConnection) => {
      if (onConnection >= 1) response.socket?.destroy();
      else response.end('ok');
    });
    open = server;
    expect((await postJson(url, 'first', AbortSignal.timeout(5_000))).text).toBe('ok');
    expect((await postJson(url, 'second', AbortSignal.timeout(5_000))).text).toBe('ok');
    // The server saw the second body twice: cut on the reused connection, answered on a new one.
    expect(seen).toEqual(['first', 'second', 'second']);

    const { url: cutting, server: cutter, seen: cutSeen } = await serve((_request, response) => response.socket?.destroy());
    try {
      await expect(postJson(cutting, 'only', AbortSignal.timeout(5_000))).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(cutSeen).toEqual(['only']);
    } finally {
      cutter.closeAllConnections();
      cutter.close();
    }
  });

  it('rejects with the abort once the signal fires on a server that never answers', async () => {
    const { url, server } = await serve(() => undefined);
    open = server;
    await expect(postJson(url, '[]', AbortSignal.timeout(200))).rejects.toMatchObject({ name: expect.stringMatching(/Abort|Timeout/) });
  });

  it('refuses a URL that is not http(s), naming its scheme', async () => {
    await expect(postJson('ws://127.0.0.1:1/', '[]', AbortSignal.timeout(1_000))).rejects.toThrow('not an http(s) URL: ws:');
  });
});
