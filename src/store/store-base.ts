import { AsyncLocalStorage } from 'node:async_hooks';
import { StoreError } from './errors.ts';
import { bigintColumns, normaliseParams, QueryError } from './normalise.ts';
import type { QueryOptions, QueryResult, Queryable, Row, SqlParam, Store, StoreBackend, Transaction } from './types.ts';

/** What a backend provides: raw statements, raw scripts. */
export interface Driver {
  /** `name`: prepare the statement under this name (a backend may ignore it). */
  query(sql: string, params: unknown[], name?: string): Promise<{ rows: Row[]; rowCount: number }>;
  exec(sql: string): Promise<void>;
}

/** A backend: its driver, how it runs a transaction on a dedicated driver, how it closes. */
export interface Backend {
  backend: StoreBackend;
  location: string;
  driver: Driver;
  /** `lost`: settles when the transaction's connection is lost (a backend without connections leaves it out). */
  transaction<T>(fn: (driver: Driver, lost?: Promise<Error>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface TxState {
  store: object;
  open: boolean;
}

/** The `lost` of a transaction whose connection cannot be lost. */
const NEVER_LOST = new Promise<Error>(() => undefined);

// Which store's transaction the current async context runs inside, so a stray store.query
// inside transaction() fails loudly on both backends (on PGlite it would deadlock).
const insideTransaction = new AsyncLocalStorage<TxState>();

/** Wraps a driver with parameter and row normalisation and query errors naming the SQL. */
export function queryable(driver: Driver, check: () => void): Queryable {
  return {
    async query<R extends Row = Row>(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<R>> {
      check();
      let result: { rows: Row[]; rowCount: number };
      try {
        result = await driver.query(sql, normaliseParams(params), options?.prepare);
      } catch (error) {
        throw new QueryError(error, sql);
      }
      return { rows: bigintColumns<R>(result.rows, options?.bigint, sql), rowCount: result.rowCount };
    },
    async exec(sql: string): Promise<void> {
      check();
      try {
        await driver.exec(sql);
      } catch (error) {
        throw new QueryError(error, sql);
      }
    },
  };
}

/** Builds the Store over a backend: closed-state checks, transaction guards, normalisation. */
export function createStore(backend: Backend): Store {
  let closed = false;
  const token = {};
  const checkOpen = (): void => {
    if (closed) throw new StoreError(`store ${backend.location} is closed`);
    const tx = insideTransaction.getStore();
    if (tx?.store === token && tx.open) {
      throw new StoreError('store used inside its own transaction(): run queries on the tx argument');
    }
  };
  const base = queryable(backend.driver, checkOpen);
  return {
    backend: backend.backend,
    location: backend.location,
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      checkOpen();
      const state: TxState = { store: token, open: true };
      try {
        return await insideTransaction.run(state, () =>
          backend.transaction((driver, lost) => {
            const tx = queryable(driver, () => {
              if (!state.open) throw new StoreError('transaction already finished: its tx cannot run more queries');
            });
            return fn({ ...tx, lost: lost ?? NEVER_LOST });
          }),
        );
      } finally {
        state.open = false;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await backend.close();
    },
  };
}
