import type { Config } from '../config.ts';
import { migrate } from './migrate.ts';
import { openPgliteStore } from './pglite-store.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { Store } from './types.ts';

/** Where to open a store: the embedded PGlite under a data folder, or a PostgreSQL server. */
export type OpenStoreOptions = { dataDir: string } | { databaseUrl: string; schema?: string; maxConnections?: number };

/**
 * Opens a store: `{ dataDir }` = PGlite in `<dataDir>/pglite` (locked by this opener),
 * `{ databaseUrl, schema? }` = PostgreSQL. Does not migrate; see openStoreFromConfig.
 */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  return 'databaseUrl' in options ? openPostgresStore(options) : openPgliteStore(options.dataDir);
}

/** The store the configuration asks for: PostgreSQL when DATABASE_URL is set, else PGlite under ORION_DATA_DIR. */
export function storeOptionsFromConfig(config: Pick<Config, 'dataDir' | 'databaseUrl'>): OpenStoreOptions {
  return config.databaseUrl === undefined ? { dataDir: config.dataDir } : { databaseUrl: config.databaseUrl };
}

/** Boot path: opens the configured store and applies pending migrations (closing it if they fail). */
export async function openStoreFromConfig(config: Pick<Config, 'dataDir' | 'databaseUrl'>, options: { migrate?: boolean } = {}): Promise<Store> {
  const store = await openStore(storeOptionsFromConfig(config));
  if (options.migrate === false) return store;
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
