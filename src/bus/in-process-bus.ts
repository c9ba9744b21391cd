import { deliverEach, encodeMessage, printHandlerError, type BusChannel, type BusMessage, type EventBus, type HandlerErrorSink } from './types.ts';

/**
 * The bus within one process (no REDIS_URL). Messages go through the same JSON encoding as
 * Redis, so a subscriber sees the same data on both transports (bigints as strings, no shared
 * object references), and are delivered on a later tick, never inside `publish`. A handler that
 * throws is reported to `onHandlerError` (default: stderr) and the others still get the message:
 * thrown from the delivery tick it would otherwise crash the process.
 */
export function createInProcessBus(options: { onHandlerError?: HandlerErrorSink } = {}): EventBus {
  const onHandlerError = options.onHandlerError ?? printHandlerError;
  const handlers = new Map<BusChannel, Set<(message: BusMessage) => void>>();
  return {
    transport: 'in-process',
    async publish(channel, data) {
      const text = encodeMessage({ channel, data, at: new Date().toISOString() });
      setImmediate(() => {
        const set = handlers.get(channel);
        // A copy: a handler that unsubscribes (or subscribes) while delivering changes no one else's turn.
        if (set !== undefined && set.size > 0) deliverEach([...set], JSON.parse(text) as BusMessage, onHandlerError);
      });
    },
    async subscribe(channels: readonly BusChannel[], handler) {
      for (const channel of channels) {
        let set = handlers.get(channel);
        if (set === undefined) handlers.set(channel, (set = new Set()));
        set.add(handler);
      }
      return async () => {
        for (const channel of channels) handlers.get(channel)?.delete(handler);
      };
    },
    async close() {
      handlers.clear();
    },
  };
}
