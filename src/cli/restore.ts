import type { Command } from 'commander';
import { createAuditLog } from '../audit/audit-log.ts';
import { loadOrCreateCheckpointKey } from '../audit/checkpoint-key.ts';
import { erasureJournal, reapplyErasures, type ReappliedErasure } from '../auth/erasure.ts';
import { loadConfig } from '../config.ts';
import { restoreBackup } from '../ops/backup/index.ts';
import { openForOps } from './backup.ts';

/**
 * `orion restore --in FILE [--force] [--allow-other-sessions]`: verifies the backup against its
 * manifest, then restores it into the configured database: empty (migrated or not) unless
 * --force (which only means "replace the data in it"), with no other session connected on
 * PostgreSQL unless --allow-other-sessions (PGlite: the folder lock refuses a running server),
 * loaded in one transaction and checked table by table (count and SHA-256) before it commits.
 * In the same transaction the GDPR erasure journal (ORION_DATA_DIR/erasure-journal.jsonl, or
 * --erasure-journal FILE) is applied again: a person erased after the backup was taken stays
 * erased (src/auth/erasure.ts), each re-application audited as gdpr.erase.reapplied.
 */
export function register(program: Command): void {
  program
    .command('restore')
    .requiredOption('--in <file>', 'the backup file to restore')
    .option('--force', 'replace every row of a database that already holds data')
    .option('--allow-other-sessions', "PostgreSQL: restore although other sessions are connected to the database (only when they are not Orion's)")
    .option('--erasure-journal <file>', 'the GDPR erasure journal to apply again (default: ORION_DATA_DIR/erasure-journal.jsonl; on a new host, the copy kept with the backups)')
    .option('--json', 'print the result as one JSON document')
    .action(async (options: { in: string; force?: boolean; allowOtherSessions?: boolean; erasureJournal?: string; json?: boolean }) => {
      const config = loadConfig();
      const journal = erasureJournal(config.dataDir, options.erasureJournal);
      await journal.read(); // a damaged journal is refused before the database is touched
      // The server creates it at its first start: absent, this is not the folder it used (another
      // host, another working directory) or the file was lost, and every person erased after the
      // backup would come back without a word: said after the restore, and in --json.
      const journalFound = await journal.exists();
      const store = await openForOps('restore into');
      let result: Awaited<ReturnType<typeof restoreBackup>>;
      let reapplied: ReappliedErasure[] = [];
      try {
        const audit = createAuditLog(store, loadOrCreateCheckpointKey(config.auditKeyFile));
        result = await restoreBackup(store, options.in, {
          force: options.force === true,
          allowOtherSessions: options.allowOtherSessions === true,
          afterLoad: async (tx) => void (reapplied = await reapplyErasures(tx, store, audit, journal)),
        });
      } finally {
        await store.close();
      }
      const { manifest } = result;
      if (!journalFound) {
        process.stderr.write(`orion: warning: no GDPR erasure journal at ${journal.file}: no erasure was applied again, so anyone erased after this backup was taken is back; if anyone was, restore again with --force --erasure-journal FILE (the copy kept with the backups, or the server's ORION_DATA_DIR/erasure-journal.jsonl)\n`);
      }
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: options.in, rows: result.rows, migrated: result.migrated, schemaVersion: manifest.schemaVersion, tables: manifest.tables.map((t) => ({ name: t.name, rows: t.rows, sha256: t.sha256 })), erasuresReapplied: reapplied, erasureJournal: { file: journal.file, found: journalFound } })}\n`);
        return;
      }
      process.stdout.write(
        `restored ${options.in} (taken ${manifest.createdAt} on ${manifest.source}): ${manifest.tables.length} tables, ${result.rows} rows, schema version ${manifest.schemaVersion}; every table's count and SHA-256 checked\n`,
      );
      if (reapplied.length > 0) process.stdout.write(`GDPR erasures applied again (from ${journal.file}): ${reapplied.map((e) => `user ${e.userId} (erased ${e.erasedAt})`).join(', ')}\n`);
    });
}
