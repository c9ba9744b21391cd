import { constants } from 'node:fs';
import { access, mkdir, rm, stat, writeFile } from 'node:fs/promises';
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

/** Creates `dataDir` if needed and proves it writable; a RuntimeFault naming it otherwise. */
export async function ensureWritableDataDir(dataDir: string): Promise<void> {
  try {
    await makeDirectoryPath(dataDir);
    await access(dataDir, constants.W_OK);
    // access() trusts mode bits; root ignores them, and a read-only mount lies: write a file.
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (cause) {
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
