import { Worker } from 'node:worker_threads';
import { StoreError } from './errors.ts';
import type { Backend, Driver } from './store-base.ts';
import type { Row } from './types.ts';

/**
 * The embedded database run on a worker thread of its own (`pglite-thread.mjs`), reached by
 * messages. PGlite executes each statement synchronously in WebAssembly, so on the main thread
 * every ledger write stalled the engine's head → plan path and every API request behind it
 * (simulate p50 17.5 ms on PGlite against 6.5 ms on PostgreSQL, docs/BENCHMARKS.md). Rows and
 * parameters cross by structured clone, which keeps bigint, Date and Uint8Array as they are.
 */

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string; code?: string };
  ready?: true;
  failed?: string;
}

/** A PostgreSQL error from the thread, with its SQLSTATE and details as pg and PGlite give them. */
class DatabaseError extends Error {
  constructor(described: { message: string } & Record<string, string | undefined>) {
    super(described.message);
    Object.assign(this, described);
  }
}

export interface PgliteThreadOptions {
  /** The module URL of `@electric-sql/pglite` (its ES module entry). */
  pgliteUrl: string;
  /** An initialised PGlite folder. */
  folder: string;
  /** postgresql.conf lines. */
  conf: readonly string[];
}

/** Starts the thread and opens the database there; rejects with PGlite's own message if it cannot. */
export async function openPgliteThread(options: PgliteThreadOptions): Promise<Omit<Backend, 'backend' | 'location'>> {
  // No inherited execArgv: the thread is plain JavaScript, and some of the parent's options
  // (--input-type, a TypeScript loader's hooks) are refused or needless in a worker.
  const worker = new Worker(new URL('./pglite-thread.mjs', import.meta.url), { workerData: { ...options, conf: [...options.conf] }, execArgv: [] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;

  // The thread keeps the process alive only while an answer is awaited: an idle open store must
  // not hold a finished CLI command open, and an awaited answer must not be cut off by an exit.
  const refWhileWaiting = (): void => {
    if (pending.size > 0) worker.ref();
    else worker.unref();
  };
  const stop = (error: Error): void => {
    stopped ??= error;
    for (const { reject } of pending.values()) reject(stopped);
    pending.clear();
    refWhileWaiting();
  };

  await new Promise<void>((resolve, reject) => {
    const onStartup = (reply: Reply): void => {
      worker.off('message', onStartup);
      if (reply.ready === true) resolve();
      else reject(new StoreError(reply.failed ?? 'the PGlite thread did not start'));
    };
    worker.on('message', onStartup);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new StoreError(`the PGlite thread exited (code ${code}) before the database opened`)));
  });
  worker.on('message', (reply: Reply) => {
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (waiting === undefined) return;
    pending.delete(reply.id!);
    refWhileWaiting();
    if (reply.error === undefined) waiting.resolve(reply.result);
    else waiting.reject(new DatabaseError(reply.error));
  });
  worker.on('error', (error) => stop(new StoreError(`the PGlite thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => stop(new StoreError(`the PGlite thread ended (code ${code})`)));
  refWhileWaiting();

  const call = <T>(request: Record<string, unknown>, id = nextId++): Promise<T> => {
    if (stopped !== undefined) return Promise.reject(stopped);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      refWhileWaiting();
      worker.postMessage({ ...request, id });
    });
  };
  const driverOf = (tx?: number): Driver => ({
    query: (sql, params) => call<{ rows: Row[]; rowCount: number }>({ op: 'query', tx, sql, params }),
    exec: async (sql) => {
      await call({ op: 'exec', tx, sql });
    },
  });

  return {
    driver: driverOf(),
    async transaction<T>(fn: (driver: Driver) => Promise<T>): Promise<T> {
      // The transaction's id is that of the request that began it (the thread's side keys it so).
      const tx = nextId++;
      await call({ op: 'begin' }, tx);
      let result: T;
      try {
        result = await fn(driverOf(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined); // the error that matters is fn's
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close(): Promise<void> {
      if (stopped !== undefined) return;
      await call({ op: 'close' });
      // Held until the thread has ended: unreferenced, an otherwise idle process would exit here
      // in the middle of its shutdown (exit code 13, a top-level await left unsettled).
      worker.ref();
      await new Promise<void>((resolve) => {
        if (stopped !== undefined) resolve();
        else worker.once('exit', () => resolve());
      });
    },
  };
}
