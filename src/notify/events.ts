/**
 * What Orion tells people about (SPEC: notifications; freqtrade users rely on Telegram for the
 * same). Each event has a kind, one line for people and machine details for the generic JSON.
 */

/** Every kind of event a webhook can subscribe to. */
export const NOTIFY_KINDS = [
  'execution.landed',
  'execution.failed',
  'breaker.tripped',
  'kill-switch',
  'mode.switched',
  'gas.low',
  'backup.failed',
  'engine.stalled',
] as const;

/** One kind of event. */
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** Scalar details: amounts as decimal strings with their unit, never floats. */
export type NotifyDetails = Readonly<Record<string, string | number | boolean | null>>;

/** An event to deliver. */
export interface NotifyEvent {
  type: NotifyKind;
  /** One line for people, amounts in token units with their symbol. */
  text: string;
  details?: NotifyDetails;
  /** When it happened (default: when notify() was called). */
  at?: Date;
  /**
   * A key naming what happened for good (`execution:42`, one intent's outcome): a target already
   * delivered an event with this key — by this process or an earlier one on the same database
   * (notification_delivery) — is not sent it again, so a restarted process that reports the same
   * thing again sends it once. Needs the notifier's store; without one every event is sent.
   */
  once?: string;
}

/** Severity shown by the chat formats. */
export function severityOf(kind: NotifyKind): 'info' | 'warning' | 'critical' {
  if (kind === 'execution.landed' || kind === 'mode.switched') return 'info';
  if (kind === 'kill-switch' || kind === 'breaker.tripped' || kind === 'engine.stalled') return 'critical';
  return 'warning';
}
