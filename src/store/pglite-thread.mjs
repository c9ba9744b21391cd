// The embedded database's own thread (plain JavaScript: a worker thread has no TypeScript loader).
// PGlite is PostgreSQL compiled to WebAssembly, and a query runs synchronously inside it: on the
// thread that owns it, every ledger write holds the event loop for its whole duration. Here it
// holds this thread's instead, so the engine's head → plan path and the API keep theirs
// (src/store/pglite-thread-driver.ts is the other end; docs/BENCHMARKS.md has the figures).
//
// Protocol (every request carries an `id`, answered once with `{ id, result }` or `{ id, error }`):
//   { op: 'query', tx?, sql, params }  → { rows, rowCount }
//   { op: 'exec',  tx?, sql }          → null
//   { op: 'begin' }                    → null; the transaction's id is the request's id, and it
//                                        stays open until
//   { op: 'end', tx, commit }          → null once committed or rolled back
//   { op: 'close' }                    → null, then the thread ends
// At start it posts `{ ready: true }` or `{ failed: message }`.
import { parentPort, workerData } from 'node:worker_threads';

const { pgliteUrl, folder, conf } = workerData;
const { PGlite, types } = await import(pgliteUrl);

/** Thrown into an open transaction's callback to roll it back: never reported as an error. */
const ROLLBACK = Symbol('rollback');
/** Open transactions by id: PGlite's transaction object and the callback's settle functions. */
const open = new Map();
/** Each begun transaction's end (committed, rolled back, or the commit's error), by its id. */
const endings = new Map();

/** The fields of a PostgreSQL error worth carrying across (pg's and PGlite's DatabaseError). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'schema', 'table', 'column', 'constraint', 'position', 'where'];
function describe(error) {
  const described = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) if (error && typeof error[field] === 'string') described[field] = error[field];
  return described;
}

/** pg's rowCount: rows returned by a query, rows changed by INSERT/UPDATE/DELETE. */
const counted = (result) => ({ rows: result.rows, rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) });

function target(tx) {
  if (tx === undefined) return db;
  const transaction = open.get(tx);
  if (transaction === undefined) throw new Error('transaction already finished: its tx cannot run more queries');
  return transaction.tx;
}

async function handle(message) {
  switch (message.op) {
    case 'query':
      return counted(await target(message.tx).query(message.sql, message.params));
    case 'exec':
      await target(message.tx).exec(message.sql);
      return null;
    case 'begin':
      // Answered once PGlite is inside the transaction (it waits for any other one to end);
      // its end — commit or rollback, and a commit's error — is kept for 'end' to report.
      return new Promise((begun, failedToBegin) => {
        const ended = db
          .transaction(
            (tx) =>
              new Promise((resolve, reject) => {
                open.set(message.id, { tx, resolve, reject });
                begun(null);
              }),
          )
          .then(
            () => undefined,
            (error) => {
              if (error !== ROLLBACK) throw error;
            },
          )
          .finally(() => open.delete(message.id));
        ended.catch(failedToBegin); // settles nothing once begun; reports a BEGIN that failed
        endings.set(message.id, ended);
      });
    case 'end': {
      const transaction = open.get(message.tx);
      const ended = endings.get(message.tx);
      endings.delete(message.tx);
      if (transaction === undefined || ended === undefined) throw new Error(`no open transaction ${message.tx}`);
      if (message.commit) transaction.resolve();
      else transaction.reject(ROLLBACK);
      await ended;
      return null;
    }
    case 'close':
      await db.close();
      return null;
    default:
      throw new Error(`unknown request ${String(message.op)}`);
  }
}

let db;
try {
  // int8 as bigint: PGlite's default (a JS number) silently loses precision above 2^53.
  db = await PGlite.create(folder, { parsers: { [types.INT8]: (text) => BigInt(text) }, postgresqlconf: conf });
} catch (error) {
  parentPort.postMessage({ failed: describe(error).message });
}
if (db !== undefined) serve();

function serve() {
  parentPort.on('message', (message) => {
    handle(message).then(
      (result) => {
        parentPort.postMessage({ id: message.id, result });
        if (message.op === 'close') parentPort.close();
      },
      (error) => parentPort.postMessage({ id: message.id, error: describe(error) }),
    );
  });
  parentPort.postMessage({ ready: true });
}
