import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import { installNotifier } from './index.ts';
import { createNotifier, type Notifier } from './notifier.ts';
import { readNotifyTargets } from './targets.ts';

/**
 * The platform's notifier from ORION_NOTIFY_FILE, installed for notify(); undefined (and none
 * installed) when the variable is unset. Stop it in the shutdown's 'flush' phase, before the
 * database closes, so the last deliveries are recorded.
 */
export function startNotifications(config: Pick<Config, 'notifyFile'>, store: Store, say?: (line: string) => void): Notifier | undefined {
  if (config.notifyFile === undefined) return undefined;
  const notifier = createNotifier({ targets: readNotifyTargets(config.notifyFile), store, ...(say === undefined ? {} : { say }) });
  installNotifier(notifier);
  return notifier;
}
