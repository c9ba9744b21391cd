/**
 * Logical backups of Orion's database: one verifiable file per backup (every table of the
 * store's schema, schema_migrations included, with a manifest of counts and SHA-256s), restore
 * into an empty database on either backend, and scheduled backups with rotation.
 */
export { writeBackup, takeBackup, backupFileName, BACKUP_FILE_PATTERN, type BackupResult, type BackupOptions } from './write-backup.ts';
export { restoreBackup, type RestoreOptions, type RestoreResult } from './restore.ts';
export { verifyBackupFile } from './verify-backup.ts';
export { readAuditHead, AUDIT_TABLE, type AuditHeadReader } from './audit-head.ts';
export { BACKUP_FORMAT, type Manifest, type ManifestTable, type AuditHead } from './format.ts';
export { BackupError, BackupFileError, RestoreError } from './errors.ts';
export { startBackupSchedule, type BackupSchedule, type BackupScheduleOptions, type BackupStatus } from './scheduler.ts';
export { listBackups, rotateBackups, newestBackupTime, recordBackupOrder, BACKUP_ORDER_FILE } from './rotation.ts';
