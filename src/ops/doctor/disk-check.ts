import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail, ok, warn, type CheckResult, type DoctorCheck } from './check.ts';

/** Below this much free space a folder fails: a backup or a checkpoint may not fit. */
export const DISK_FAIL_BYTES = 256 * 1024 * 1024;
/** Below this share of free space a folder warns. */
export const DISK_WARN_RATIO = 0.1;

/** Free space where the data and the backups are written (the nearest existing folder). */
export function diskCheck(which: 'data' | 'backups'): DoctorCheck {
  return {
    name: `disk ${which}`,
    async run({ config }) {
      const folder = which === 'data' ? config.dataDir : config.backupDir;
      return freeSpaceVerdict(folder);
    },
  };
}

/** The verdict on `folder`'s file system. */
export async function freeSpaceVerdict(folder: string): Promise<CheckResult> {
  let path = folder;
  for (;;) {
    try {
      const stats = await statfs(path);
      const free = stats.bavail * stats.bsize;
      const total = stats.blocks * stats.bsize;
      const detail = `${folder}: ${formatBytes(free)} free of ${formatBytes(total)}${path === folder ? '' : ` (on ${path}; the folder does not exist yet)`}`;
      if (free < DISK_FAIL_BYTES) return fail(`${detail}, below ${formatBytes(DISK_FAIL_BYTES)}`);
      if (total > 0 && free / total < DISK_WARN_RATIO) return warn(`${detail}, below ${DISK_WARN_RATIO * 100} %`);
      return ok(detail);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) return fail(`${folder}: ${(error as Error).message}`);
      path = dirname(path);
    }
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
