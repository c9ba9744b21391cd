import type { Command } from 'commander';
import { restoreBackup } from '../ops/backup/index.ts';
import { openForOps } from './backup.ts';

/**
 * `orion restore --in FILE [--force] [--allow-other-sessions]`: verifies the backup against its
 * manifest, then restores it into the configured database: empty (migrated or not) unless
 * --force (which only means "replace the data in it"), with no other session connected on
 * PostgreSQL unless --allow-other-sessions (PGlite: the folder lock refuses a running server),
 * loaded in one transaction and checked table by table (count and SHA-256) before it commits.
 */
export function register(program: Command): void {
  program
    .command('restore')
    .requiredOption('--in <file>', 'the backup file to restore')
    .option('--force', 'replace every row of a database that already holds data')
    .option('--allow-other-sessions', "PostgreSQL: restore although other sessions are connected to the database (only when they are not Orion's)")
    .option('--json', 'print the result as one JSON document')
    .action(async (options: { in: string; force?: boolean; allowOtherSessions?: boolean; json?: boolean }) => {
      const store = await openForOps('restore into');
      let result: Awaited<ReturnType<typeof restoreBackup>>;
      try {
        result = await restoreBackup(store, options.in, { force: options.force === true, allowOtherSessions: options.allowOtherSessions === true });
      } finally {
        await store.close();
      }
      const { manifest } = result;
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: options.in, rows: result.rows, migrated: result.migrated, schemaVersion: manifest.schemaVersion, tables: manifest.tables.map((t) => ({ name: t.name, rows: t.rows, sha256: t.sha256 })) })}\n`);
        return;
      }
      process.stdout.write(
        `restored ${options.in} (taken ${manifest.createdAt} on ${manifest.source}): ${manifest.tables.length} tables, ${result.rows} rows, schema version ${manifest.schemaVersion}; every table's count and SHA-256 checked\n`,
      );
    });
}
