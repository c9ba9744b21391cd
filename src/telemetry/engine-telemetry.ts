import type { DecidedEvent, SimulatedEvent } from '../engine/events.ts';
import type { BusChannel, EventBus } from '../bus/index.ts';
import type { ExecutionMode } from '../executor/executor.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { NotifyEvent } from '../notify/events.ts';
import { decidedMessages, simulatedMessages } from './engine-messages.ts';
import { countDecided, countSimulated } from './engine-metrics.ts';

/**
 * The engine's callbacks (`onDecided`, `onSimulated`) as the platform wires them: each block's
 * events become Prometheus figures, bus messages (so `/ws` clients see them live) and, for a
 * simulation that could not run at all, a notification. Runs in the block's turn: counting is
 * in-memory, publishing is not awaited (a failed publish is reported, never thrown at the engine).
 */

/** What the telemetry reports to. */
export interface EngineTelemetryOptions {
  metrics: Metrics;
  bus: EventBus;
  mode: ExecutionMode;
  /**
   * Token symbols and decimals (the followed market's; read per block, as it is set once the
   * snapshot is loaded), and which decimals are unknown: their profit is counted in base units,
   * apart (profit-metric.ts).
   */
  tokens: () => TokenDirectory;
  /** Where notifications go (the platform passes src/notify's notify). */
  notify: (event: NotifyEvent) => void;
  /** A bus publish that failed (Redis gone): the platform says it. */
  onPublishError?: (error: unknown) => void;
}

/** The engine callbacks. */
export interface EngineTelemetry {
  onDecided(event: DecidedEvent): void;
  onSimulated(event: SimulatedEvent): void;
}

/** Creates the engine's telemetry. */
export function createEngineTelemetry(options: EngineTelemetryOptions): EngineTelemetry {
  const { metrics, bus, mode } = options;
  const publish = (channel: BusChannel, data: unknown): void => {
    bus.publish(channel, data).catch((error: unknown) => options.onPublishError?.(error));
  };
  return {
    onDecided(event) {
      countDecided(metrics, mode, event);
      for (const message of decidedMessages(mode, event, options.tokens())) publish(message.channel, message.data);
    },
    onSimulated(event) {
      const tokens = options.tokens();
      countSimulated(metrics, mode, event, tokens);
      for (const message of simulatedMessages(mode, event, tokens)) publish(message.channel, message.data);
      // One notification per block whose simulations failed outright (an RPC error, not a revert:
      // a revert is the contract refusing a bad trade, which is its job).
      const failed = event.results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        options.notify({
          type: 'execution.failed',
          text: `${mode}: ${failed.length} of ${event.results.length} simulations at block ${event.header.number} failed: ${failed[0]!.error ?? 'no answer'}`,
          details: { mode, block: event.header.number.toString(), failed: failed.length, error: failed[0]!.error ?? null },
        });
      }
    },
  };
}
