import { join, resolve } from 'node:path';
import { PGlite, types, type Results, type Transaction } from '@electric-sql/pglite';
import { StoreError } from './errors.ts';
import { lockFolder } from './folder-lock.ts';
import { parseInt8 } from './normalise.ts';
import { createStore, type Driver } from './store-base.ts';
import type { Store } from './types.ts';
import { initialisePgliteFolder } from './pglite-first-init.ts';

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
  let db: PGlite;
  try {
    // int8 as bigint: PGlite's default (a JS number) silently loses precision above 2^53.
    await initialisePgliteFolder(folder, PGLITE_CONF);
    db = await PGlite.create(folder, { parsers: { [types.INT8]: parseInt8 }, postgresqlconf: PGLITE_CONF });
  } catch (error) {
    lock.release();
    throw new StoreError(`cannot open the PGlite database in ${folder}: ${(error as Error).message}`, { cause: error });
  }
  return createStore({
    backend: 'pglite',
    location: folder,
    driver: driverOf(db),
    transaction: (fn) => db.transaction((tx) => fn(driverOf(tx))),
    close: async () => {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  });
}

function driverOf(db: PGlite | Transaction): Driver {
  return {
    query: async (sql, params) => counted(await db.query<Record<string, unknown>>(sql, params)),
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/** pg's rowCount: rows returned by a query, rows changed by INSERT/UPDATE/DELETE. */
function counted(result: Results<Record<string, unknown>>): { rows: Record<string, unknown>[]; rowCount: number } {
  return { rows: result.rows, rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
}
