import pg from 'pg';
import { redactUrl } from '../config.ts';
import { StoreError } from './errors.ts';
import { OID, parseInt8, QueryError } from './normalise.ts';
import { createStore, type Driver } from './store-base.ts';
import type { Store } from './types.ts';

/** Options of a PostgreSQL store. */
export interface PostgresStoreOptions {
  databaseUrl: string;
  /** Schema to work in (created if absent, set as search_path); default: the server's default. */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// pg's built-in parsers, typed loosely: its TypeId enum lacks the array oids.
const builtinParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (value: string) => unknown;

// int8 as bigint (pg's default is a string); int8[] likewise. Other types keep pg's parsers:
// numeric stays an exact string, json is parsed, timestamptz becomes a Date.
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === OID.INT8) return parseInt8;
  if (oid === OID.INT8_ARRAY) {
    const parseArray = builtinParser(oid, 'text');
    return (value) => toBigInts(parseArray(value));
  }
  return builtinParser(oid, format ?? 'text');
}

function toBigInts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toBigInts);
  return typeof value === 'string' ? BigInt(value) : value;
}

/** Opens a pooled PostgreSQL store; fails with a StoreError (password masked) if unreachable. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { databaseUrl, schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError(`schema name ${JSON.stringify(schema)} is not allowed: use lower-case letters, digits and _ (at most 63)`);
  }
  const shownUrl = safeUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // TCP keepalive: a connection a NAT or a failed host dropped silently is found dead within
    // minutes, not never (the live writer lock's connection waits idle for the process's life).
    keepAlive: true,
    types: { getTypeParser: getTypeParser as pg.CustomTypesConfig['getTypeParser'] },
    // Every pooled connection starts in the schema, so no statement can miss it.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    if (schema !== undefined) await pool.query(`create schema if not exists ${schema}`);
    else await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError(`cannot connect to PostgreSQL at ${shownUrl}: ${(error as Error).message}`, { cause: error });
  }
  return createStore({
    backend: 'postgres',
    location: schema === undefined ? shownUrl : `${shownUrl} (schema ${schema})`,
    driver: driverOf(pool),
    transaction: async (fn) => {
      const client = await pool.connect().catch((error: unknown) => {
        throw new StoreError(`cannot connect to PostgreSQL at ${shownUrl}: ${(error as Error).message}`, { cause: error });
      });
      let broken: Error | undefined;
      let connectionLost!: (error: Error) => void;
      const lost = new Promise<Error>((resolve) => (connectionLost = resolve));
      // A server that goes away mid-transaction also makes the checked-out client emit 'error'
      // (the pool only listens on idle clients): a running query reports it itself; a
      // transaction waiting between statements (a held advisory lock) learns it from `lost`.
      const onLostConnection = (error: Error): void => {
        broken ??= error;
        connectionLost(error);
      };
      const onEnd = (): void => onLostConnection(new StoreError(`the connection to PostgreSQL at ${shownUrl} ended during a transaction`));
      client.on('error', onLostConnection);
      client.on('end', onEnd);
      try {
        await run(client, 'begin');
        const result = await fn(driverOf(client), lost);
        await run(client, 'commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => {
          broken = rollbackError; // the connection is unusable: destroy it instead of pooling it
        });
        throw error;
      } finally {
        client.off('error', onLostConnection);
        client.off('end', onEnd);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  });
}

async function run(client: pg.PoolClient, sql: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (error) {
    throw new QueryError(error, sql);
  }
}

function driverOf(db: pg.Pool | pg.PoolClient): Driver {
  return {
    query: async (sql, params, name) => {
      const result = await (name === undefined ? db.query(sql, params) : db.query({ name, text: sql, values: params }));
      return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? result.rows.length };
    },
    exec: async (sql) => {
      await db.query(sql);
    },
  };
}

function safeUrl(url: string): string {
  try {
    return redactUrl(url);
  } catch {
    throw new StoreError('DATABASE_URL is not a URL (value hidden: it may hold a password)');
  }
}
