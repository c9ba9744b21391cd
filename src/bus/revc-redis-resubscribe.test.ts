import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createRedisBus, type BusMessage } from './index.ts';
import { REDIS_PREFIX } from './redis-bus.ts';

/**
 * Reviewer C: createRedisBus registers a channel's handler set before its SUBSCRIBE is
 * acknowledged. When that SUBSCRIBE fails (Redis unreachable for a moment as the first /ws client
 * of a channel connects), the set stays, so every later subscribe() of that channel finds it and
 * never sends SUBSCRIBE again: once Redis is back, no client of this instance ever receives the
 * channel again (until a restart). Redis is reached through a TCP proxy the test cuts and restores.
 */
const TARGET = { host: '127.0.0.1', port: 6379 };
const sockets = new Set<Socket>();
let server: Server | undefined;
function startProxy(port: number): Promise<number> {
  return new Promise((resolve) => {
    server = createServer((client) => {
      const upstream = connect(TARGET);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => void (client.destroy(), upstream.destroy());
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    server.listen(port, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
  });
}
async function stopProxy(): Promise<void> {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
afterAll(stopProxy);

it('a channel whose first SUBSCRIBE failed is delivered once Redis is back', async () => {
  const port = await startProxy(0);
  const bus = await createRedisBus(`redis://127.0.0.1:${port}`);
  await stopProxy(); // Redis unreachable
  await expect(bus.subscribe(['executions'], () => undefined)).rejects.toThrow();
  await startProxy(port); // Redis back; ioredis reconnects by itself
  await sleep(3000);
  const received: BusMessage[] = [];
  await bus.subscribe(['executions'], (m) => received.push(m));
  const control: BusMessage[] = []; // a channel first subscribed now, after the reconnect: delivered
  await bus.subscribe(['decisions'], (m) => control.push(m));
  const direct = new Redis(`redis://${TARGET.host}:${TARGET.port}`);
  await direct.publish(`${REDIS_PREFIX}executions`, JSON.stringify({ channel: 'executions', data: { id: '1' }, at: new Date().toISOString() }));
  await direct.publish(`${REDIS_PREFIX}decisions`, JSON.stringify({ channel: 'decisions', data: {}, at: new Date().toISOString() }));
  await sleep(500);
  direct.disconnect();
  await bus.close();
  expect(control).toHaveLength(1);
  expect(received).toHaveLength(1);
}, 30_000);
