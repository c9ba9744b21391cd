import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: a real HTTP server on loopback standing in for Slack, Discord, Telegram or any
 * webhook receiver (they are outside services that cannot run here). It records every request
 * and answers with the status `answer` picks; `hold()` keeps requests open until `release()`.
 */
export interface LoopbackReceiver {
  url: string;
  requests: Array<{ path: string; body: unknown }>;
  /** Status for the n-th request (1-based) to `path`; default 200. */
  answer: (path: string, n: number) => number;
  /** Headers for the n-th answer to `path` (a 429's Retry-After); default none. */
  headers: (path: string, n: number) => Record<string, string>;
  hold(): void;
  release(): void;
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startLoopbackReceiver(): Promise<LoopbackReceiver> {
  const counts = new Map<string, number>();
  const held: Array<() => void> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let holding = false;
  const receiver: LoopbackReceiver = {
    url: '',
    requests: [],
    answer: () => 200,
    headers: () => ({}),
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      held.splice(0).forEach((go) => go());
    },
    received: (count) => new Promise((resolve) => (receiver.requests.length >= count ? resolve() : waiters.push({ count, resolve }))),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // a request a test left held (or its client abandoned) must not keep the server open
    }),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const path = request.url ?? '/';
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      receiver.requests.push({ path, body: JSON.parse(text) as unknown });
      for (const waiter of waiters.filter((w) => receiver.requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const reply = (): void => {
        response.statusCode = receiver.answer(path, n);
        for (const [name, value] of Object.entries(receiver.headers(path, n))) response.setHeader(name, value);
        response.end('{}');
      };
      if (holding) held.push(reply);
      else reply();
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
