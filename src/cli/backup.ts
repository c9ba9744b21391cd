import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { RuntimeFault } from '../errors.ts';
import { writeBackup, type BackupResult } from '../ops/backup/index.ts';
import { openStore, storeOptionsFromConfig, StoreLockedError, type Store } from '../store/index.ts';

/**
 * `orion backup --out FILE`: a verified logical backup of the configured database (PGlite under
 * ORION_DATA_DIR, or DATABASE_URL) into one file, written atomically. On PostgreSQL it runs
 * beside a live server; PGlite belongs to the server's process, so while the server runs the
 * command says how to get a backup instead (stop the server, or ask it through its API).
 */
export function register(program: Command): void {
  program
    .command('backup')
    .requiredOption('--out <file>', 'the backup file to write (replaced atomically when it exists)')
    .option('--json', 'print the manifest as one JSON document')
    .action(async (options: { out: string; json?: boolean }) => {
      const store = await openForOps('back up');
      let result: BackupResult;
      try {
        result = await writeBackup(store, options.out);
      } finally {
        await store.close();
      }
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: result.file, bytes: result.bytes, manifest: result.manifest })}\n`);
        return;
      }
      const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      process.stdout.write(`backup ${result.file}: ${result.manifest.tables.length} tables, ${rows} rows, ${result.bytes} bytes, schema version ${result.manifest.schemaVersion}\n`);
    });
}

/**
 * Opens the configured store without migrating it; a PGlite folder held by a running server is
 * a RuntimeFault saying what to do instead of `verb`.
 */
export async function openForOps(verb: string): Promise<Store> {
  const config = loadConfig();
  try {
    return await openStore(storeOptionsFromConfig(config));
  } catch (error) {
    if (error instanceof StoreLockedError) {
      const instead = verb === 'back up' ? ', or let the server take the backup: POST /api/v1/ops/backup (scheduled backups: ORION_BACKUP_DIR)' : ' (a restore needs the database to itself)';
      throw new RuntimeFault(`cannot ${verb} ${error.folder}: the Orion server (pid ${error.holderPid}) holds this PGlite database. Either stop the server (SIGTERM) and run this again${instead}`, { cause: error });
    }
    throw error;
  }
}
