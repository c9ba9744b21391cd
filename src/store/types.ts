/**
 * The query interface every repository is written against, the same over PGlite and
 * PostgreSQL. Values are normalised at this edge: int8 -> bigint, numeric -> exact decimal
 * string (or bigint for the columns named in `QueryOptions.bigint`), json/jsonb -> parsed,
 * timestamptz -> Date. Parameters: bigint is sent as its decimal text, so `$1::numeric` holds
 * any uint256 exactly; pass JSON as `JSON.stringify(value)` with a `::jsonb` cast.
 */

/** A value that can be bound to a `$n` placeholder. */
export type SqlParam = string | number | bigint | boolean | null | Date | Uint8Array | readonly SqlParam[];

/** One result row, column name -> normalised value. */
export type Row = Record<string, unknown>;

/** Per-query options. */
export interface QueryOptions {
  /**
   * Columns holding integral numeric values (e.g. numeric(78,0) amounts) to return as
   * `bigint`; null stays null; a non-integral value or a missing column is a StoreError.
   */
  bigint?: readonly string[];
  /**
   * Name to prepare the statement under (PostgreSQL: parsed and planned once per connection,
   * then only bound and executed; PGlite ignores it). For a hot statement whose text never
   * changes: one name, one text.
   */
  prepare?: string;
}

/** Rows of a statement and how many rows it returned or changed. */
export interface QueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

/** Something queries run on: the store itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1..$n` parameters. */
  query<R extends Row = Row>(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** An open transaction: queries, and the loss of its connection. */
export interface Transaction extends Queryable {
  /**
   * Settles with the error once the connection the transaction runs on is lost (PostgreSQL: the
   * server ended the session, say `idle_in_transaction_session_timeout` or
   * `pg_terminate_backend`), even while no statement is running; never on PGlite, whose
   * database is in this process. What the transaction held on the server (its locks) is gone then.
   */
  readonly lost: Promise<Error>;
}

/** Which engine a store runs on. */
export type StoreBackend = 'pglite' | 'postgres';

/** An open database. */
export interface Store extends Queryable {
  readonly backend: StoreBackend;
  /** Where the data lives: the PGlite folder, or the PostgreSQL URL (password masked) and schema. */
  readonly location: string;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back (nothing written)
   * when it throws. Inside `fn`, use only `tx`: the store itself refuses queries from within
   * its own transaction, which on PGlite would otherwise wait forever for the transaction.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Closes the database (and releases the PGlite folder lock). Idempotent. */
  close(): Promise<void>;
}
