import { rm } from 'node:fs/promises';
import type { Store } from '../../store/index.ts';
import type { AuditHeadReader } from './audit-head.ts';
import { newestBackupTime, recordBackupOrder, rotateBackups } from './rotation.ts';
import { verifyBackupFile } from './verify-backup.ts';
import { takeBackup, type BackupResult } from './write-backup.ts';

/** What the schedule reports to /health, the metrics and `orion doctor`. */
export interface BackupStatus {
  dir: string;
  intervalSeconds: number;
  keep: number;
  /** The last successful backup (this run or a file found in `dir` at start). */
  last: { file: string; at: string; ageSeconds: number } | null;
  /** Scheduled backups that failed since start (the backupFailures counter). */
  failures: number;
  /** The last failure's message, until a backup succeeds again. */
  lastError: string | null;
  running: boolean;
}

/** Options of the schedule. */
export interface BackupScheduleOptions {
  store: Store;
  dir: string;
  intervalSeconds: number;
  keep: number;
  auditHead?: AuditHeadReader;
  /** Called with each failure (to notify 'backup.failed'); never awaited by the schedule. */
  onFailure?: (error: Error) => void;
  /** Called with each success. */
  onSuccess?: (result: BackupResult, deleted: string[]) => void;
}

/** A running schedule. */
export interface BackupSchedule {
  status(now?: Date): BackupStatus;
  /** Takes a backup now (waits for one in flight first); the schedule's rotation applies. */
  runNow(): Promise<BackupResult>;
  /** Stops the timer and waits for a backup in flight to finish (a shutdown hook). */
  stop(): Promise<void>;
}

/**
 * Takes a backup every `intervalSeconds` into `dir` and keeps the `keep` newest: the backups it
 * recorded in the order file, in the order written (also by earlier runs), then the others by
 * name, names from the future last (see listBackups). Each new file is verified against its
 * manifest before it is recorded and before rotation may delete an older one. One backup at a
 * time; the next is timed from the end of the previous, so a slow backup never overlaps itself.
 * A failure (a full disk) is counted and reported, leaves the older backups in place, and the
 * schedule keeps going. On PGlite the engine's queries wait while a backup reads: see withReadSession.
 */
export async function startBackupSchedule(options: BackupScheduleOptions): Promise<BackupSchedule> {
  const { store, dir, intervalSeconds, keep } = options;
  const found = await newestBackupTime(dir);
  let last: { file: string; at: Date } | undefined = found;
  let failures = 0;
  let lastError: string | null = null;
  let inFlight: Promise<BackupResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const run = async (): Promise<BackupResult> => {
    while (inFlight !== undefined) await inFlight.catch(() => undefined);
    const attempt = (async () => {
      const result = await takeBackup(store, dir, options.auditHead === undefined ? {} : { auditHead: options.auditHead });
      // Read back before it may displace an older backup: a file that fails its own checksums
      // (a disk that lost a write) is removed and counted as a failure, and rotation does not run.
      await verifyBackupFile(result.file).catch(async (error: unknown) => {
        await rm(result.file, { force: true });
        throw error;
      });
      // Rotation and "the last backup" go by the order recorded here, not by names (which follow
      // the wall clock, and a clock can step back): see listBackups.
      await recordBackupOrder(dir, result.file, result.manifest.createdAt);
      const deleted = await rotateBackups(dir, keep);
      last = { file: result.file, at: new Date() };
      lastError = null;
      options.onSuccess?.(result, deleted);
      return result;
    })();
    inFlight = attempt;
    try {
      return await attempt;
    } catch (error) {
      failures += 1;
      lastError = (error as Error).message;
      options.onFailure?.(error as Error);
      throw error;
    } finally {
      inFlight = undefined;
    }
  };

  const schedule = (): void => {
    if (stopped || intervalSeconds <= 0) return;
    timer = setTimeout(() => {
      run()
        .catch(() => undefined) // counted and reported in run()
        .finally(schedule);
    }, intervalSeconds * 1000);
    timer.unref();
  };
  schedule();

  return {
    status(now = new Date()) {
      return {
        dir,
        intervalSeconds,
        keep,
        last: last === undefined ? null : { file: last.file, at: last.at.toISOString(), ageSeconds: Math.max(0, (now.getTime() - last.at.getTime()) / 1000) },
        failures,
        lastError,
        running: inFlight !== undefined,
      };
    },
    runNow: run,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
