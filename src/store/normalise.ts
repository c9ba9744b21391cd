import { StoreError } from './errors.ts';
import type { Row, SqlParam } from './types.ts';

/**
 * Conversions at the database edge, shared by both backends so a repository sees the same
 * values on PGlite and PostgreSQL.
 */

/** A failed statement: the driver's message, the SQLSTATE code (23505 = unique violation) and the SQL. */
export class QueryError extends StoreError {
  /** SQLSTATE of the failure, when the server gave one. */
  readonly code: string | undefined;

  constructor(cause: unknown, sql: string) {
    const code = typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string' ? (cause as { code: string }).code : undefined;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`query failed: ${reason}${code === undefined ? '' : ` [${code}]`} in: ${oneLine(sql)}`, { cause, details: { sql, code } });
    this.code = code;
  }
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/** Sends bigint as decimal text (exact for numeric(78,0), whatever the driver does with bigint). */
export function normaliseParams(params: readonly SqlParam[] | undefined): unknown[] {
  return params === undefined ? [] : params.map(normaliseParam);
}

function normaliseParam(value: SqlParam): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((item: SqlParam) => normaliseParam(item));
  return value;
}

const INTEGER = /^-?\d+$/;

/**
 * Converts a database value holding an integer to bigint: a bigint, a safe integer number, or
 * an integral decimal string (what numeric columns return). `what` names the value in errors.
 */
export function toBigInt(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  throw new StoreError(`${what} is ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}, not an integer`, { details: { what } });
}

/** Applies QueryOptions.bigint: listed columns become bigint (null stays null). */
export function bigintColumns<R extends Row>(rows: Row[], columns: readonly string[] | undefined, sql: string): R[] {
  if (columns === undefined || columns.length === 0) return rows as R[];
  for (const row of rows) {
    for (const column of columns) {
      if (!(column in row)) throw new StoreError(`column ${column} (asked as bigint) is not in the result of: ${oneLine(sql)}`);
      const value = row[column];
      if (value !== null) row[column] = toBigInt(value, `column ${column}`);
    }
  }
  return rows as R[];
}

/** PostgreSQL type ids whose parsing we override. */
export const OID = { INT8: 20, INT8_ARRAY: 1016, NUMERIC: 1700 } as const;

/** Parses int8 text exactly (pg gives a string, PGlite a lossy number by default). */
export function parseInt8(text: string): bigint {
  return BigInt(text);
}
