/**
 * The database layer: one query interface over PGlite (embedded, folder-locked) and
 * PostgreSQL, versioned migrations, and the repositories. Import from here.
 */
export type { Queryable, QueryOptions, QueryResult, Row, SqlParam, Store, StoreBackend } from './types.ts';
export { StoreError, StoreLockedError, MigrationError } from './errors.ts';
export { QueryError, toBigInt } from './normalise.ts';
export { openStore, openStoreFromConfig, storeOptionsFromConfig, type OpenStoreOptions } from './open-store.ts';
export { pgliteFolder } from './pglite-store.ts';
export { migrate, migrationStatus, loadMigrations, MIGRATIONS_DIR, type Migration, type MigrationStep, type MigrationState } from './migrate.ts';
export { createSettingsRepository, type SettingsRepository, type Setting, type JsonValue } from './settings-repository.ts';
export { createCheckpointRepository, type CheckpointRepository, type ChainCheckpoint } from './checkpoint-repository.ts';
