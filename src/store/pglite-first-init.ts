import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNodeChild } from '../util/node-child.ts';

/**
 * The first opening of a PGlite folder runs initdb inside the WebAssembly Postgres, which grows
 * its memory to ~700 MB. So the first initialisation runs in a child process of its own, and the
 * store then opens the initialised folder (~130 MB). A child process rather than a worker thread:
 * a worker's memory stays in this process's resident set after it ends (measured standalone:
 * 239 MB resident after the worker against 48 MB after the child; peaks 801 MB against 200 MB;
 * docs/BENCHMARKS.md, `npm run bench -- start-memory`).
 */

// Plain JavaScript run by the child (node -e: no TypeScript loader there): create, close; on a
// failure, the message alone on stderr and exit code 1.
const INIT_CODE = `
const [pgliteUrl, folder, conf] = process.argv.slice(1);
import(pgliteUrl)
  .then(async ({ PGlite }) => {
    const db = await PGlite.create(folder, { postgresqlconf: JSON.parse(conf) });
    await db.close();
  })
  .catch((error) => {
    process.stderr.write(String((error && error.message) || error));
    process.exitCode = 1;
  });
`;

/** The package's ES module entry, for a child's or a thread's import(): the ".js" beside the CommonJS entry require.resolve finds. */
export const PGLITE_URL = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/\.cjs$/, '.js')).href;

/** Whether `folder` already holds an initialised database (initdb writes PG_VERSION first of all). */
export function isInitialised(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/** Initialises a new PGlite folder in a child process (nothing when it is initialised); rejects with initdb's error. */
export async function initialisePgliteFolder(folder: string, conf: readonly string[]): Promise<void> {
  if (isInitialised(folder)) return;
  await runNodeChild('initialising the PGlite folder', ['-e', INIT_CODE, PGLITE_URL, folder, JSON.stringify(conf)]);
}
