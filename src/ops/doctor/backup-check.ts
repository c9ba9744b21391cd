import { newestBackupTime } from '../backup/index.ts';
import { fail, ok, skip, type DoctorCheck } from './check.ts';

/** A scheduled backup older than this many intervals fails (one missed run is tolerated). */
export const BACKUP_STALE_INTERVALS = 2;

/** The newest backup in ORION_BACKUP_DIR is younger than two backup intervals. */
export const backupAgeCheck: DoctorCheck = {
  name: 'last backup',
  async run({ config, now }) {
    if (config.backupInterval <= 0) return skip('ORION_BACKUP_INTERVAL=0: no scheduled backups (on PostgreSQL, WAL archiving is the RPO: docs/OPERATIONS.md)');
    const newest = await newestBackupTime(config.backupDir);
    if (newest === undefined) return fail(`no backup in ${config.backupDir} yet (orion backup --out FILE, or a running server takes one every ${config.backupInterval} s)`);
    const age = Math.max(0, Math.round((now.getTime() - newest.at.getTime()) / 1000));
    const limit = config.backupInterval * BACKUP_STALE_INTERVALS;
    const detail = `${newest.file}: ${age} s old`;
    return age > limit ? fail(`${detail}, older than ${limit} s (${BACKUP_STALE_INTERVALS} intervals): are scheduled backups failing?`) : ok(detail);
  },
};
