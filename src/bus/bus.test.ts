import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus, createRedisBus, type BusMessage, type EventBus } from './index.ts';
import { REDIS_PREFIX } from './redis-bus.ts';

type Open = (options?: Parameters<typeof createInProcessBus>[0]) => Promise<EventBus>;
function transports(): Array<[string, Open]> {
  const url = process.env['TEST_REDIS_URL'];
  if ((url === undefined || url === '') && process.env['CI'] === 'true') throw new Error('TEST_REDIS_URL is not set under CI=true: bus tests must run on Redis too');
  return [['in-process', async (options) => createInProcessBus(options)], ...(url === undefined || url === '' ? [] : [['redis', (options) => createRedisBus(url, options)] as [string, Open]])];
}

/**
 * Subscribes to `channels` and, once the subscription is in place, gives the first message on
 * them. On Redis a SUBSCRIBE and a PUBLISH go over different connections: a publish sent before
 * the subscription is acknowledged can reach Redis first and be delivered to nobody (a probe of
 * 3000 unawaited subscribe-then-publish pairs on a local Redis lost 28), so tests await this
 * before publishing.
 */
async function firstMessage(bus: EventBus, channels: Parameters<EventBus['subscribe']>[0]): Promise<{ message: Promise<BusMessage> }> {
  let deliver!: (message: BusMessage) => void;
  const message = new Promise<BusMessage>((resolve) => (deliver = resolve));
  await bus.subscribe(channels, deliver);
  return { message };
}

for (const [name, open] of transports()) {
  describe(`event bus (${name})`, () => {
    let a: EventBus;
    let b: EventBus;
    beforeAll(async () => {
      a = await open();
      // Two instances: on Redis a second connection pair, in-process the same bus.
      b = name === 'redis' ? await open() : a;
    });
    afterAll(async () => {
      await a?.close();
      if (b !== a) await b?.close();
    });

    it('delivers a published event to subscribers of every instance, bigints as decimal strings', async () => {
      const onA = await firstMessage(a, ['opportunities']);
      const onB = await firstMessage(b, ['opportunities', 'mode']);
      await a.publish('opportunities', { id: 'o1', netProfit: 123456789012345678901234567890n });
      for (const message of await Promise.all([onA.message, onB.message])) {
        expect(message).toMatchObject({ channel: 'opportunities', data: { id: 'o1', netProfit: '123456789012345678901234567890' } });
        expect(Number.isNaN(Date.parse(message.at))).toBe(false);
      }
    });

    it('keeps channels apart and stops after unsubscribe', async () => {
      const seen: string[] = [];
      const stop = await b.subscribe(['limits'], (m) => seen.push(`${m.channel}:${String((m.data as { n: number }).n)}`));
      const modeSeen = await firstMessage(b, ['mode']);
      await a.publish('limits', { n: 1 });
      await a.publish('mode', { mode: 'sim' });
      await modeSeen.message;
      // Published before 'mode' on the same connection: delivered first (Redis keeps order per connection).
      expect(seen).toEqual(['limits:1']);
      await stop();
      await a.publish('limits', { n: 2 });
      const health = await firstMessage(b, ['health']);
      await a.publish('health', {});
      await health.message;
      expect(seen).toEqual(['limits:1']);
    });

    it('a handler that throws is reported and the other handlers still receive the message', async () => {
      const reported: string[] = [];
      const bus = await open({ onHandlerError: (error, channel) => reported.push(`${channel}: ${(error as Error).message}`) });
      try {
        await bus.subscribe(['health'], () => {
          throw new Error('client bug');
        });
        const after = await firstMessage(bus, ['health']);
        await bus.publish('health', { ok: true });
        expect((await after.message).data).toEqual({ ok: true });
        expect(reported).toEqual(['health: client bug']);
      } finally {
        await bus.close();
      }
    });
  });
}

/** A TCP proxy in front of Redis that the test cuts and restores (Redis itself stays up). */
function redisProxy(target: URL): { start(port?: number): Promise<number>; stop(): Promise<void> } {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    start: (port = 0) => new Promise((resolve) => {
      server = createServer((client) => {
        const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) });
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = (): void => void (client.destroy(), upstream.destroy());
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
    }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    },
  };
}

const redisUrl = process.env['TEST_REDIS_URL'];
describe.skipIf(redisUrl === undefined || redisUrl === '')('event bus (redis) across an outage', () => {
  const proxy = redisProxy(new URL(redisUrl ?? 'redis://127.0.0.1:6379'));
  afterAll(() => proxy.stop());

  it('a channel whose first SUBSCRIBE failed while Redis was unreachable is delivered once Redis is back', async () => {
    const port = await proxy.start();
    const bus = await createRedisBus(`redis://127.0.0.1:${port}`);
    const direct = new Redis(redisUrl!);
    try {
      await proxy.stop(); // Redis unreachable as the first client of 'executions' subscribes
      await expect(bus.subscribe(['executions'], () => undefined)).rejects.toThrow();
      await proxy.start(port); // back; ioredis reconnects by itself and sends the queued SUBSCRIBEs
      const received: BusMessage[] = [];
      await bus.subscribe(['executions'], (m) => received.push(m));
      const control = await firstMessage(bus, ['decisions']); // first subscribed after the outage
      // Same connection, so Redis delivers them in this order: once 'decisions' arrived, 'executions' had its turn.
      await direct.publish(`${REDIS_PREFIX}executions`, JSON.stringify({ channel: 'executions', data: { id: '1' }, at: new Date().toISOString() }));
      await direct.publish(`${REDIS_PREFIX}decisions`, JSON.stringify({ channel: 'decisions', data: {}, at: new Date().toISOString() }));
      await control.message;
      expect(received.map((m) => m.data)).toEqual([{ id: '1' }]);
    } finally {
      direct.disconnect();
      await bus.close();
    }
  }, 30_000);
});
