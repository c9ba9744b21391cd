import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { failedChecks } from './checks.ts';
import type { ModeService } from './mode-service.ts';
import { readStoredMode } from './mode-store.ts';

/**
 * Fail-safe at boot. A process starts in sim unless ORION_MODE=live; with it, only when
 * ORION_ALLOW_LIVE is on and the pre-flight validation passes — otherwise it refuses to start,
 * listing every failed check. A stored live mode (a switch before a restart) never brings a
 * process back into live by itself: without ORION_MODE=live it boots in sim and says why.
 */

/** First thing at boot: ORION_MODE=live without ORION_ALLOW_LIVE stops before anything starts. */
export function refuseLiveWithoutAllow(config: Pick<Config, 'mode' | 'allowLive'>): void {
  if (config.mode === 'live' && !config.allowLive) {
    throw new ConfigError('ORION_MODE=live but ORION_ALLOW_LIVE is off: refusing to start; allowed: ORION_ALLOW_LIVE=on together with ORION_MODE=live (or ORION_MODE=sim)');
  }
}

/** Once the store is open: why this process runs in sim although the stored mode is live (undefined when it does not). */
export async function storedLiveNote(config: Pick<Config, 'mode'>, store: Store): Promise<string | undefined> {
  if (config.mode === 'live') return undefined;
  const stored = await readStoredMode(store);
  if (stored?.mode !== 'live') return undefined;
  return `the stored mode is live (since ${stored.since.toISOString()}, by ${stored.switchedBy ?? 'unknown'}), but a restart never re-enters live by itself: starting in sim; set ORION_MODE=live (with ORION_ALLOW_LIVE=on) to start live after validation`;
}

/**
 * Once the chain is up and before the engine starts, in live mode: validates, and either
 * switches the stored mode to live (a new session) or throws one ConfigError naming every failed check.
 */
export async function enterLiveAtBoot(service: ModeService): Promise<void> {
  const report = await service.validate({ label: 'boot (ORION_MODE=live)' });
  const failed = failedChecks(report);
  if (failed.length > 0) {
    throw new ConfigError(`ORION_MODE=live: refusing to start, ${failed.length} pre-flight check(s) failed: ${failed.join('; ')}`, { details: { failed } });
  }
  await service.switch('live', { label: 'boot (ORION_MODE=live)' });
}
