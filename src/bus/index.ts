import { createInProcessBus } from './in-process-bus.ts';
import { createRedisBus } from './redis-bus.ts';
import type { EventBus, HandlerErrorSink } from './types.ts';

export { BUS_CHANNELS, isBusChannel, type BusChannel, type BusMessage, type EventBus, type HandlerErrorSink } from './types.ts';
export { createInProcessBus } from './in-process-bus.ts';
export { createRedisBus } from './redis-bus.ts';

/** The bus the configuration asks for: Redis when REDIS_URL is set, else in-process. */
export function openBus(redisUrl: string | undefined, options: { onHandlerError?: HandlerErrorSink } = {}): Promise<EventBus> {
  return redisUrl === undefined ? Promise.resolve(createInProcessBus(options)) : createRedisBus(redisUrl, options);
}
