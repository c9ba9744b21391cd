import type { Queryable, Store } from '../../store/index.ts';
import { ident, type TableInfo } from './schema-catalog.ts';

/**
 * Reads a table's rows in a canonical text form: every column as PostgreSQL's own text output
 * (`col::text`: exact for numeric(78,0), jsonb, bytea in hex, timestamptz in UTC), a row as a
 * JSON array of those strings (null for NULL) built by the database (`json_build_array`, the
 * same function on PGlite and a server, so no per-row work in JavaScript), in primary-key order
 * with text keys compared byte-wise (`collate "C"`). The same rows give the same lines on PGlite
 * and on a PostgreSQL server, so one SHA-256 per table proves a copy equal across them.
 */

/** One row line: a JSON array of each column's text output or null, as the database wrote it. */
export type RowLine = string;

/** Runs `fn` inside the backup's snapshot, with the canonical output settings in force (see `withReadSession`). */
export type ReadSession = <T>(fn: (db: Queryable) => Promise<T>) => Promise<T>;

/** Session settings that fix the text output of dates, intervals, bytea and floats. */
export const CANONICAL_OUTPUT = `set local timezone = 'UTC'; set local datestyle = 'ISO, YMD'; set local intervalstyle = 'postgres'; set local bytea_output = 'hex'; set local extra_float_digits = 1`;

/** Rows fetched per round trip: bounds the memory of one page, not the transaction. */
export const PAGE_ROWS = 5000;

/**
 * How a backup reads the store: one REPEATABLE READ, READ ONLY transaction on both backends, so
 * every table (and the audit head) is read at one instant and the file restores: no child row
 * without its parent, no audit row past the manifest's head. On PostgreSQL the engine keeps
 * writing on other connections meanwhile (MVCC). PGlite has one connection, so its other
 * queries (the ledger's flushes, the live executor's intent commits) wait for the backup's
 * duration: measured on the real 10,773-pair market (docs/BENCHMARKS.md, "Backup and restore").
 * Reading page by page in short transactions instead let the engine run between pages, and
 * the reviewer's drill showed what that cost: a file that passed its own checksums and could
 * not be restored (a simulation whose decision was written after the decisions were read).
 */
export async function withReadSession<T>(store: Store, fn: (session: ReadSession) => Promise<T>): Promise<T> {
  return store.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    await tx.exec(CANONICAL_OUTPUT);
    return fn((inner) => inner(tx));
  });
}

/** A session over an already open transaction (the restore verifies inside its own). */
export function sessionOf(tx: Queryable): ReadSession {
  return (fn) => fn(tx);
}

/** Calls `onPage` with the rows of `table`, page by page, in canonical order. */
export async function readTableRows(session: ReadSession, table: TableInfo, onPage: (rows: RowLine[]) => Promise<void> | void): Promise<void> {
  const keys = table.primaryKey.map((index) => `${ident(table.columns[index]!.name)}::text`);
  const select = `select json_build_array(${table.columns.map((c) => `${ident(c.name)}::text`).join(', ')})::text as r${keys.map((k, i) => `, ${k} as k${i}`).join('')} from ${ident(table.name)} t`;
  if (table.primaryKey.length === 0) {
    // No key to page on: one ordered read (tables without a key are small by design).
    const result = await session((db) => db.query<{ r: RowLine }>(`${select} order by t::text collate "C"`));
    if (result.rows.length > 0) await onPage(result.rows.map((row) => row.r));
    return;
  }
  const keyColumns = table.primaryKey.map((index) => table.columns[index]!);
  const keyExpr = (c: (typeof keyColumns)[number]): string => `${ident(c.name)}${c.collatable ? ' collate "C"' : ''}`;
  const order = keyColumns.map(keyExpr).join(', ');
  const after = `(${order}) > (${keyColumns.map((c, i) => `$${i + 1}::${c.type}${c.collatable ? ' collate "C"' : ''}`).join(', ')})`;
  let last: Array<string | null> | undefined;
  for (;;) {
    const from = last;
    const result = await session((db) =>
      from === undefined
        ? db.query<Record<string, string | null>>(`${select} order by ${order} limit ${PAGE_ROWS}`)
        : db.query<Record<string, string | null>>(`${select} where ${after} order by ${order} limit ${PAGE_ROWS}`, from),
    );
    if (result.rows.length === 0) return;
    await onPage(result.rows.map((row) => row['r'] as RowLine));
    if (result.rows.length < PAGE_ROWS) return;
    const tail = result.rows[result.rows.length - 1]!;
    last = keys.map((_, i) => tail[`k${i}`] ?? null);
  }
}
