import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrate } from './migrate.ts';
import { openStore } from './open-store.ts';
import { pgliteFolder } from './pglite-store.ts';
import type { Store, StoreBackend } from './types.ts';

/**
 * Test helper for anything with tables: a fresh database per test file on every backend.
 * PGlite always (a new temp folder); PostgreSQL when TEST_DATABASE_URL is set (a new schema
 * with a random name, dropped afterwards). Under CI=true a missing TEST_DATABASE_URL is an
 * error, so CI never passes by skipping PostgreSQL. Tests only: never import from src code.
 *
 *   forEachBackend('ledger', (db) => {
 *     it('stores a trade', async () => { await db.store.query(...) });
 *   });
 */

/** A fresh store and how to throw it away. */
export interface TestStore {
  store: Store;
  backend: StoreBackend;
  /** Closes the store and deletes its folder or schema. */
  cleanup(): Promise<void>;
}

/** The backends tests run on here: pglite, plus postgres when TEST_DATABASE_URL is set. */
export function testBackends(env: NodeJS.ProcessEnv = process.env): StoreBackend[] {
  if (env['TEST_DATABASE_URL'] !== undefined && env['TEST_DATABASE_URL'] !== '') return ['pglite', 'postgres'];
  if (env['CI'] === 'true') throw new Error('TEST_DATABASE_URL is not set under CI=true: store tests must run on PostgreSQL too');
  return ['pglite'];
}

/** Opens a fresh, empty store on `backend` (migrated unless `migrate: false`). */
export async function openTestStore(backend: StoreBackend, options: { migrate?: boolean } = {}): Promise<TestStore> {
  let store: Store;
  let remove: () => Promise<void>;
  if (backend === 'pglite') {
    const dataDir = await freshPgliteDataDir();
    store = await openStore({ dataDir });
    remove = async () => rmSync(dataDir, { recursive: true, force: true });
  } else {
    const databaseUrl = process.env['TEST_DATABASE_URL'];
    if (databaseUrl === undefined || databaseUrl === '') throw new Error('TEST_DATABASE_URL is not set');
    const schema = `test_${randomBytes(6).toString('hex')}`;
    store = await openStore({ databaseUrl, schema, maxConnections: 4 });
    remove = async () => {
      const admin = await openStore({ databaseUrl, maxConnections: 1 });
      try {
        await admin.exec(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.close();
      }
    };
  }
  const opened = store;
  const cleanup = async (): Promise<void> => {
    try {
      await opened.close();
    } finally {
      await remove();
    }
  };
  if (options.migrate !== false) {
    try {
      await migrate(store);
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
  return { store, backend, cleanup };
}

/** A fresh migrated database a test can open, close and open again, as a restarted process would. */
export interface ReopenableTestDatabase {
  readonly backend: StoreBackend;
  /** A new connection (PGlite: the folder opened again; PostgreSQL: a new pool on the schema). */
  open(): Promise<Store>;
  /** Deletes the folder or drops the schema (every store opened must be closed first). */
  remove(): Promise<void>;
}

/** A fresh, migrated database on `backend` that outlives its stores: for restart tests. */
export async function reopenableTestDatabase(backend: StoreBackend): Promise<ReopenableTestDatabase> {
  let options: Parameters<typeof openStore>[0];
  let remove: () => Promise<void>;
  if (backend === 'pglite') {
    const dataDir = await freshPgliteDataDir();
    options = { dataDir };
    remove = async () => rmSync(dataDir, { recursive: true, force: true });
  } else {
    const databaseUrl = process.env['TEST_DATABASE_URL'];
    if (databaseUrl === undefined || databaseUrl === '') throw new Error('TEST_DATABASE_URL is not set');
    const schema = `test_${randomBytes(6).toString('hex')}`;
    options = { databaseUrl, schema, maxConnections: 4 };
    remove = async () => {
      const admin = await openStore({ databaseUrl, maxConnections: 1 });
      await admin.exec(`drop schema if exists ${schema} cascade`).finally(() => admin.close());
    };
  }
  const first = await openStore(options);
  try {
    await migrate(first);
  } finally {
    await first.close();
  }
  return { backend, open: () => openStore(options), remove };
}

/** A new temp data folder holding an empty PGlite database (for tests that open it themselves). */
export async function freshPgliteDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orion-store-'));
  cpSync(await pgliteTemplate(), pgliteFolder(dataDir), { recursive: true });
  return dataDir;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * An empty, cleanly closed PGlite folder, made once per PGlite version in .cache/: copying
 * it (~40 MB) takes a fraction of the seconds PGlite's initdb takes for every fresh store.
 */
async function pgliteTemplate(): Promise<string> {
  const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;
  const template = join(ROOT, '.cache', `pglite-template-${version}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const building = mkdtempSync(`${template}.building-`);
  const db = await PGlite.create(building);
  await db.close();
  try {
    renameSync(building, template); // atomic: parallel test files never see a half-made template
  } catch {
    rmSync(building, { recursive: true, force: true }); // another worker made it first
  }
  return template;
}

/** What a test body sees: the backend, and the store once beforeAll has opened it. */
export interface StoreContext {
  readonly backend: StoreBackend;
  readonly store: Store;
}

/** Declares `body` once per backend, as `describe('<title> (<backend>)')` with a fresh store. */
export function forEachBackend(title: string, body: (ctx: StoreContext) => void, options: { migrate?: boolean } = {}): void {
  for (const backend of testBackends()) {
    describe(`${title} (${backend})`, () => {
      let opened: TestStore | undefined;
      beforeAll(async () => {
        opened = await openTestStore(backend, options);
      });
      afterAll(async () => {
        await opened?.cleanup();
      });
      body({
        backend,
        get store(): Store {
          if (opened === undefined) throw new Error('the test store is opened in beforeAll: use ctx.store inside tests');
          return opened.store;
        },
      });
    });
  }
}
