import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The first opening of a PGlite folder runs initdb inside the WebAssembly Postgres, which grows
 * its memory to ~700 MB, and WebAssembly memory never shrinks: the process would keep it for its
 * whole life. A later opening of the initialised folder needs ~180 MB. So the first
 * initialisation runs in a worker thread whose memory is freed when it ends, and the store then
 * opens the initialised folder (measured in docs/BENCHMARKS.md, `npm run bench -- start-memory`).
 */

// Plain JavaScript run by the worker (eval: no TypeScript loader there): create, close, report.
const INIT_CODE = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.pgliteUrl)
  .then(async ({ PGlite }) => {
    const db = await PGlite.create(workerData.folder, { postgresqlconf: workerData.conf });
    await db.close();
    parentPort.postMessage({ ok: true });
  })
  .catch((error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error) }));
`;

// The package's ES module entry, for the worker's import(): the ".js" beside the CommonJS entry require.resolve finds.
const PGLITE_URL = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/\.cjs$/, '.js')).href;

/** Whether `folder` already holds an initialised database (initdb writes PG_VERSION first of all). */
export function isInitialised(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/** Initialises a new PGlite folder in a worker thread (nothing when it is initialised); rejects with initdb's error. */
export async function initialisePgliteFolder(folder: string, conf: readonly string[]): Promise<void> {
  if (isInitialised(folder)) return;
  const worker = new Worker(INIT_CODE, { eval: true, workerData: { pgliteUrl: PGLITE_URL, folder, conf: [...conf] } });
  try {
    const outcome = await new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the PGlite initialisation worker exited (code ${code}) without a word`)));
    });
    if (!outcome.ok) throw new Error(outcome.message);
  } finally {
    await worker.terminate();
  }
}
