import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { migrate, migrationStatus, openStore, storeOptionsFromConfig } from '../store/index.ts';

/**
 * `orion migrate`: applies pending database migrations to the configured store (PostgreSQL
 * when DATABASE_URL is set, else the PGlite folder under ORION_DATA_DIR, which must not be
 * held by a running server). `--status` lists them and changes nothing. `orion start` also
 * migrates at boot; this command is for deployments that migrate as a separate step.
 */
export function register(program: Command): void {
  program
    .command('migrate')
    .option('--status', 'list migrations and whether each is applied; change nothing')
    .option('--json', 'print one JSON document instead of a table')
    .action(async (options: { status?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const store = await openStore(storeOptionsFromConfig(config));
      let rows: Array<{ version: number; name: string; status: string }>;
      try {
        rows =
          options.status === true
            ? (await migrationStatus(store)).map((m) => ({ version: m.version, name: m.name, status: m.appliedAt === undefined ? 'pending' : `applied ${m.appliedAt.toISOString()}` }))
            : await migrate(store);
      } finally {
        await store.close();
      }
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ backend: store.backend, location: store.location, migrations: rows })}\n`);
        return;
      }
      process.stdout.write(`${store.backend} ${store.location}\n`);
      const width = Math.max(4, ...rows.map((row) => row.name.length));
      process.stdout.write(`${'version'.padEnd(8)}${'name'.padEnd(width + 2)}status\n`);
      for (const row of rows) process.stdout.write(`${String(row.version).padEnd(8)}${row.name.padEnd(width + 2)}${row.status}\n`);
    });
}
