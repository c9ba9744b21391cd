/**
 * Notifications: webhooks per event kind (generic JSON, Slack, Discord, Telegram), a bounded
 * queue with retries that never blocks the caller, each delivery recorded.
 *
 * The platform installs its notifier at boot (`installNotifier`); any part then calls
 * `notify({ type, text, details })` and returns at once. With none installed, events are counted
 * as unconfigured and go nowhere (no webhook configured).
 */
import type { NotifyEvent } from './events.ts';
import type { Notifier } from './notifier.ts';

export { NOTIFY_KINDS, type NotifyEvent, type NotifyKind, type NotifyDetails } from './events.ts';
export { NOTIFY_FORMATS, formatPayload, type NotifyFormat } from './formats.ts';
export { createNotifier, type Notifier, type NotifierOptions, type NotifierStats } from './notifier.ts';
export { readNotifyTargets, type NotifyTarget } from './targets.ts';

let installed: Notifier | undefined;

/** Makes `notifier` the one notify() uses (undefined uninstalls it); returns the previous one. */
export function installNotifier(notifier: Notifier | undefined): Notifier | undefined {
  const previous = installed;
  installed = notifier;
  return previous;
}

/** Queues `event` on the installed notifier; returns at once and never throws. */
export function notify(event: NotifyEvent): void {
  installed?.notify(event);
}
