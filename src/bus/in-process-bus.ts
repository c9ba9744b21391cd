import { EventEmitter } from 'node:events';
import { encodeMessage, type BusChannel, type BusMessage, type EventBus } from './types.ts';

/**
 * The bus within one process (no REDIS_URL). Messages go through the same JSON encoding as
 * Redis, so a subscriber sees the same data on both transports (bigints as strings, no shared
 * object references), and are delivered on a later tick, never inside `publish`.
 */
export function createInProcessBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    transport: 'in-process',
    async publish(channel, data) {
      const text = encodeMessage({ channel, data, at: new Date().toISOString() });
      setImmediate(() => emitter.emit(channel, JSON.parse(text) as BusMessage));
    },
    async subscribe(channels: readonly BusChannel[], handler) {
      for (const channel of channels) emitter.on(channel, handler);
      return async () => {
        for (const channel of channels) emitter.off(channel, handler);
      };
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
