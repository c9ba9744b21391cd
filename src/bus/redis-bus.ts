import { Redis } from 'ioredis';
import { deliverEach, isBusChannel, encodeMessage, printHandlerError, type BusChannel, type BusMessage, type EventBus, type HandlerErrorSink } from './types.ts';

/** Prefix of the Redis pub/sub channels. */
export const REDIS_PREFIX = 'orion:bus:';

/**
 * The bus across instances: Redis pub/sub (one connection publishes, one subscribes, as Redis
 * requires). Every instance, this one included, receives each message from Redis, so there is
 * one delivery path. Pub/sub is at-most-once: a subscriber that is down misses messages (the
 * WebSocket clients re-read state from the API on reconnect).
 */
export async function createRedisBus(url: string, options: { onHandlerError?: HandlerErrorSink } = {}): Promise<EventBus> {
  const onHandlerError = options.onHandlerError ?? printHandlerError;
  const connection = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true } as const;
  const publisher = new Redis(url, connection);
  const subscriber = new Redis(url, connection);
  // ioredis reconnects by itself after a drop; without a listener it would print each error.
  for (const link of [publisher, subscriber]) link.on('error', () => undefined);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  const handlers = new Map<BusChannel, Set<(message: BusMessage) => void>>();
  /** Channels whose SUBSCRIBE Redis acknowledged, and those whose SUBSCRIBE is on its way. */
  const subscribed = new Set<BusChannel>();
  const subscribing = new Map<BusChannel, Promise<void>>();
  subscriber.on('message', (redisChannel: string, text: string) => {
    const channel = redisChannel.slice(REDIS_PREFIX.length);
    if (!isBusChannel(channel)) return;
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return; // not ours
    }
    deliverEach(handlers.get(channel) ?? [], message, onHandlerError);
  });
  return {
    transport: 'redis',
    async publish(channel, data) {
      await publisher.publish(REDIS_PREFIX + channel, encodeMessage({ channel, data, at: new Date().toISOString() }));
    },
    async subscribe(channels, handler) {
      // A channel's handlers are kept only once its SUBSCRIBE is acknowledged (ioredis then
      // subscribes again by itself after a reconnect). A SUBSCRIBE that fails takes this call's
      // handler away and forgets the attempt, so the next subscribe() of the channel sends it again.
      const waits: Array<Promise<void>> = [];
      for (const channel of channels) {
        let set = handlers.get(channel);
        if (set === undefined) handlers.set(channel, (set = new Set()));
        set.add(handler);
        if (subscribed.has(channel)) continue;
        let pending = subscribing.get(channel);
        if (pending === undefined) {
          pending = subscriber.subscribe(REDIS_PREFIX + channel).then(
            () => {
              subscribing.delete(channel);
              subscribed.add(channel);
            },
            (error: unknown) => {
              subscribing.delete(channel);
              throw error;
            },
          );
          subscribing.set(channel, pending);
        }
        waits.push(pending);
      }
      const unsubscribe = async (): Promise<void> => {
        for (const channel of channels) handlers.get(channel)?.delete(handler);
      };
      const outcomes = await Promise.allSettled(waits);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed !== undefined) {
        await unsubscribe();
        throw failed.reason;
      }
      return unsubscribe;
    },
    async close() {
      handlers.clear();
      subscribed.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
