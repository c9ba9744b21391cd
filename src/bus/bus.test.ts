import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus, createRedisBus, type BusMessage, type EventBus } from './index.ts';

function transports(): Array<[string, () => Promise<EventBus>]> {
  const url = process.env['TEST_REDIS_URL'];
  if ((url === undefined || url === '') && process.env['CI'] === 'true') throw new Error('TEST_REDIS_URL is not set under CI=true: bus tests must run on Redis too');
  return [['in-process', async () => createInProcessBus()], ...(url === undefined || url === '' ? [] : [['redis', () => createRedisBus(url)] as [string, () => Promise<EventBus>]])];
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
  });
}
