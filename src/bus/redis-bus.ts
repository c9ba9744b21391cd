import { Redis } from 'ioredis';
import { isBusChannel, encodeMessage, type BusChannel, type BusMessage, type EventBus } from './types.ts';

/** Prefix of the Redis pub/sub channels. */
export const REDIS_PREFIX = 'orion:bus:';

/**
 * The bus across instances: Redis pub/sub (one connection publishes, one subscribes, as Redis
 * requires). Every instance, this one included, receives each message from Redis, so there is
 * one delivery path. Pub/sub is at-most-once: a subscriber that is down misses messages (the
 * WebSocket clients re-read state from the API on reconnect).
 */
export async function createRedisBus(url: string): Promise<EventBus> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true } as const;
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  // ioredis reconnects by itself after a drop; without a listener it would print each error.
  for (const connection of [publisher, subscriber]) connection.on('error', () => undefined);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  const handlers = new Map<BusChannel, Set<(message: BusMessage) => void>>();
  subscriber.on('message', (redisChannel: string, text: string) => {
    const channel = redisChannel.slice(REDIS_PREFIX.length);
    if (!isBusChannel(channel)) return;
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return; // not ours
    }
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  return {
    transport: 'redis',
    async publish(channel, data) {
      await publisher.publish(REDIS_PREFIX + channel, encodeMessage({ channel, data, at: new Date().toISOString() }));
    },
    async subscribe(channels, handler) {
      const fresh: string[] = [];
      for (const channel of channels) {
        let set = handlers.get(channel);
        if (set === undefined) {
          set = new Set();
          handlers.set(channel, set);
          fresh.push(REDIS_PREFIX + channel);
        }
        set.add(handler);
      }
      if (fresh.length > 0) await subscriber.subscribe(...fresh);
      return async () => {
        for (const channel of channels) handlers.get(channel)?.delete(handler);
      };
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
