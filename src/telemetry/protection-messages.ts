import type { EventBus } from '../bus/index.ts';
import type { ProtectionAuditEvent, ProtectionsStatus } from '../risk-controls/protections-service.ts';

/**
 * The protections' changes on the bus's `limits` channel (and so on `/ws`): a limits change or
 * rollback, the kill switch engaged (by a person or the file KILL) or released, a breaker
 * tripped or re-armed. Each message names the instance that made the change, so another
 * instance on the same PostgreSQL reads the protections again at once (`followProtectionChanges`)
 * instead of on its next poll.
 */

/** `data` of a `limits` message. */
export interface ProtectionMessage {
  type: ProtectionAuditEvent['type'];
  /** A person's pseudonym, `engine`, or `operator (file)`. */
  actor: string;
  details: Record<string, unknown>;
  /** The instance that made the change. */
  instance: string;
  /** The state after the change, as /health shows it. */
  limitsVersion: number | null;
  killSwitch: ProtectionsStatus['killSwitch'];
}

/** The protections' `onChange`: publishes each change on `limits`. */
export function publishProtectionChanges(bus: EventBus, options: { instance: string; status: () => ProtectionsStatus | undefined; onPublishError?: (error: unknown) => void }): (event: ProtectionAuditEvent) => void {
  return (event) => {
    const status = options.status();
    const data: ProtectionMessage = { ...event, instance: options.instance, limitsVersion: status?.limitsVersion ?? null, killSwitch: status?.killSwitch ?? null };
    bus.publish('limits', data).catch((error: unknown) => options.onPublishError?.(error));
  };
}

/** Calls `refresh` whenever another instance announces a change; returns the unsubscribe function. */
export function followProtectionChanges(bus: EventBus, instance: string, refresh: () => Promise<void>, onError: (error: unknown) => void): Promise<() => Promise<void>> {
  return bus.subscribe(['limits'], (message) => {
    if ((message.data as Partial<ProtectionMessage> | null)?.instance === instance) return;
    refresh().catch(onError);
  });
}
