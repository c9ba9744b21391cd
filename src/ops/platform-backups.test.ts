import { describe, expect, it } from 'vitest';
import { METRICS } from '../metrics/catalog.ts';
import { backupMetrics } from './platform-backups.ts';

describe('backup metrics', () => {
  it('report the age of the last backup and the failures under the catalog names; no backup yet = +Inf age', () => {
    expect(backupMetrics(null)).toEqual({ orion_last_backup_age_seconds: Number.POSITIVE_INFINITY, orion_backup_failures_total: 0 });
    const status = { dir: '/b', intervalSeconds: 300, keep: 3, last: { file: '/b/x', at: '2026-12-02T03:00:00.000Z', ageSeconds: 42 }, failures: 2, lastError: 'ENOSPC', running: false };
    expect(backupMetrics(status)).toEqual({ [METRICS.lastBackupAge.name]: 42, [METRICS.backupFailures.name]: 2 });
  });
});
