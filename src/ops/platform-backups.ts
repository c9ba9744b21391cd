import type { Config } from '../config.ts';
import type { Say } from '../say.ts';
import type { Store } from '../store/index.ts';
import { startBackupSchedule, type BackupSchedule, type BackupStatus } from './backup/index.ts';
import { METRICS } from '../metrics/catalog.ts';

export type { BackupSchedule } from './backup/index.ts';

/**
 * The platform's scheduled backups, as configured (ORION_BACKUP_DIR, ORION_BACKUP_INTERVAL,
 * ORION_BACKUP_KEEP); undefined when the interval is 0. A failure is said on the console and
 * counted; `backupMetrics` turns the status into the catalog's gauge and counter values.
 */
export async function startScheduledBackups(config: Pick<Config, 'backupDir' | 'backupInterval' | 'backupKeep'>, store: Store, say: Say, onFailure?: (error: Error) => void): Promise<BackupSchedule | undefined> {
  if (config.backupInterval <= 0) return undefined;
  const schedule = await startBackupSchedule({
    store,
    dir: config.backupDir,
    intervalSeconds: config.backupInterval,
    keep: config.backupKeep,
    onFailure: (error) => {
      say(`backup failed: ${error.message}`);
      onFailure?.(error);
    },
  });
  say(`backups: every ${config.backupInterval} s into ${config.backupDir}, keeping ${config.backupKeep}`);
  return schedule;
}

/**
 * The backup metrics of src/metrics/catalog.ts from a status: the age of the last backup
 * (seconds; +Inf when there is none, so "backup too old" fires) and the failure count. The
 * /metrics registry sets its gauge and counter from this.
 */
export function backupMetrics(status: BackupStatus | null): Record<string, number> {
  return {
    [METRICS.lastBackupAge.name]: status?.last?.ageSeconds ?? Number.POSITIVE_INFINITY,
    [METRICS.backupFailures.name]: status?.failures ?? 0,
  };
}
