import { constants } from 'node:fs';
import { access, chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RuntimeFault } from '../errors.ts';

/**
 * `mkdir -p` one level at a time. Node 20's `mkdir(path, { recursive: true })` spins forever on
 * some pseudo file systems (e.g. a path under /proc); creating each missing level ourselves
 * fails fast with the real error instead.
 */
async function makeDirectoryPath(path: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    const found = await stat(current).catch(() => undefined);
    if (found !== undefined) break;
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) await mkdir(level);
}

/** Mode of the data folder: the embedded database, the keys and the erasure journal are inside. */
export const DATA_DIR_MODE = 0o700;

/**
 * Creates `dataDir` if needed, makes it private to its owner (mode 700) and proves it writable; a
 * RuntimeFault naming it otherwise. PGlite writes its files with the process's umask (often
 * world-readable): created 755, the folder let any local user read the database — password
 * hashes, MFA secrets, every row. A folder open to others is closed, as the backup folder is.
 */
export async function ensureWritableDataDir(dataDir: string): Promise<void> {
  try {
    await makeDirectoryPath(dataDir);
    const mode = (await stat(dataDir)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      await chmod(dataDir, DATA_DIR_MODE).catch((cause: unknown) => {
        throw new RuntimeFault(`data folder ${dataDir} is open to other users (mode ${mode.toString(8)}) and cannot be made private (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): chmod 700 it, or set ORION_DATA_DIR to a folder of your own`, { cause });
      });
    }
    await access(dataDir, constants.W_OK);
    // access() trusts mode bits; root ignores them, and a read-only mount lies: write a file.
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (cause) {
    if (cause instanceof RuntimeFault) throw cause;
    throw new RuntimeFault(`data folder ${dataDir} is not writable (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); set ORION_DATA_DIR to a writable folder`, { cause });
  }
}

/**
 * Where the seeded local chain is cached under the data folder: one place for `orion start` and
 * `orion devnet`, so either reuses the state the other seeded.
 */
export function devnetCacheDir(dataDir: string): string {
  return join(dataDir, 'devnet-cache');
}
