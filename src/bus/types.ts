/**
 * The event bus: what the engine, the ledger and the controls announce to every instance's
 * WebSocket clients. One interface, two transports (in-process, Redis). Payloads are JSON;
 * bigints travel as decimal strings.
 */

/**
 * Channels a client can follow. `opportunities`: new opportunities at a block; `decisions`: what
 * was planned or rejected (rule, reason); `simulations`: the sim executor's results; `executions`:
 * live sends; `mode`, `health`, `limits`: state changes.
 */
export const BUS_CHANNELS = ['opportunities', 'decisions', 'simulations', 'executions', 'mode', 'health', 'limits'] as const;

/** A channel. */
export type BusChannel = (typeof BUS_CHANNELS)[number];

/** Whether `value` names a channel. */
export function isBusChannel(value: unknown): value is BusChannel {
  return typeof value === 'string' && (BUS_CHANNELS as readonly string[]).includes(value);
}

/** One delivered event. */
export interface BusMessage {
  channel: BusChannel;
  /** JSON data (bigints already decimal strings). */
  data: unknown;
  /** When it was published, ISO 8601. */
  at: string;
}

/** The bus. */
export interface EventBus {
  /** Which transport carries it. */
  readonly transport: 'in-process' | 'redis';
  /** Publishes to every subscriber of every instance. */
  publish(channel: BusChannel, data: unknown): Promise<void>;
  /** Calls `handler` for each message on `channels`; returns the unsubscribe function. */
  subscribe(channels: readonly BusChannel[], handler: (message: BusMessage) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** JSON text of a message, bigints as decimal strings. */
export function encodeMessage(message: BusMessage): string {
  return JSON.stringify(message, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** What a bus does with an error a subscriber's handler threw (default: one line on stderr). */
export type HandlerErrorSink = (error: unknown, channel: BusChannel) => void;

/** Writes a handler's error on stderr: the message is still delivered to the other handlers. */
export const printHandlerError: HandlerErrorSink = (error, channel) => {
  process.stderr.write(`event bus: a ${channel} subscriber failed: ${error instanceof Error ? error.message : String(error)}\n`);
};

/**
 * Calls each handler with `message`; one that throws is reported to `onError` and the others
 * still receive it (a handler's bug must neither crash the process nor starve other clients).
 */
export function deliverEach(handlers: Iterable<(message: BusMessage) => void>, message: BusMessage, onError: HandlerErrorSink): void {
  for (const handler of handlers) {
    try {
      handler(message);
    } catch (error) {
      try {
        onError(error, message.channel);
      } catch {
        // the sink itself failed: nothing more to do without risking the delivery loop
      }
    }
  }
}
