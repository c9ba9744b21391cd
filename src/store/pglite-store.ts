import { join, resolve } from 'node:path';
import { StoreError } from './errors.ts';
import { lockFolder } from './folder-lock.ts';
import { createStore } from './store-base.ts';
import type { Store } from './types.ts';
import { initialisePgliteFolder, PGLITE_URL } from './pglite-first-init.ts';
import { openPgliteThread } from './pglite-thread-driver.ts';

/** The PGlite folder inside a data folder (ORION_DATA_DIR). */
export function pgliteFolder(dataDir: string): string {
  return join(resolve(dataDir), 'pglite');
}

/**
 * Server settings of the embedded database. PGlite's default 128 MB of shared buffers is touched
 * as the WASM heap warms and showed as ~150 MB more resident memory in our process (measured: an
 * opened database 362 MB RSS at 128 MB, 237 MB at 32 MB); the embedded database holds small
 * tables (settings, checkpoints, the ledger), and a desk that outgrows it moves to PostgreSQL.
 */
const PGLITE_CONF = ['shared_buffers = 32MB'];

/**
 * Opens the embedded database in `<dataDir>/pglite`, locked for this opener until close():
 * a second opener (any process) gets StoreLockedError, never a silent shared folder.
 */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  const folder = pgliteFolder(dataDir);
  const lock = lockFolder(folder);
  let database: Awaited<ReturnType<typeof openPgliteThread>>;
  try {
    await initialisePgliteFolder(folder, PGLITE_CONF);
    // On a thread of its own: PGlite runs each statement synchronously (pglite-thread-driver.ts).
    database = await openPgliteThread({ pgliteUrl: PGLITE_URL, folder, conf: PGLITE_CONF });
  } catch (error) {
    lock.release();
    throw new StoreError(`cannot open the PGlite database in ${folder}: ${(error as Error).message}`, { cause: error });
  }
  return createStore({
    backend: 'pglite',
    location: folder,
    ...database,
    close: async () => {
      try {
        await database.close();
      } finally {
        lock.release();
      }
    },
  });
}
