import type { SqlParam } from '../store/types.ts';

/**
 * A WHERE clause built from optional filters, every value a bound parameter (never spliced into
 * the SQL), and the keyset page every list route uses: newest first by id, `cursor` = the last
 * id of the previous page, one row more than the limit fetched to know whether a next page exists.
 */
export class Conditions {
  private readonly parts: string[] = [];

  /** `params` may be shared by several clauses of one statement (a union): placeholders number on. */
  constructor(readonly params: SqlParam[] = []) {}

  /** Adds `sql` with `$?` standing for `value` (skipped when the value is undefined). */
  add(sql: string, value: SqlParam | undefined): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.parts.push(sql.replaceAll('$?', `$${this.params.length}`));
    return this;
  }

  /** Adds a condition without a value. */
  when(sql: string): this {
    this.parts.push(sql);
    return this;
  }

  /** Binds one more parameter and returns its placeholder (for LIMIT and the like). */
  bind(value: SqlParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** `where a and b`, or nothing. */
  get sql(): string {
    return this.parts.length === 0 ? '' : `where ${this.parts.join(' and ')}`;
  }
}

/** A page of rows and the cursor of the next page (null on the last). */
export interface Page<T> {
  rows: T[];
  nextCursor: string | null;
}

/** Cuts the `limit + 1` rows fetched to a page; the cursor is the last kept row's id. */
export function toPage<R, T>(rows: readonly R[], limit: number, id: (row: R) => bigint, view: (row: R) => T): Page<T> {
  const kept = rows.slice(0, limit);
  return { rows: kept.map(view), nextCursor: rows.length > limit && kept.length > 0 ? id(kept[kept.length - 1]!).toString() : null };
}

/** Filters every list route takes. */
export interface ListFilter {
  limit: number;
  /** Rows with an id below this (the previous page's cursor). */
  before?: bigint;
  mode?: 'sim' | 'live';
  session?: bigint;
  from?: Date;
  /** Inclusive end (the list routes' `to`). */
  to?: Date;
  /** Exclusive end: rows strictly before it, at the database's precision (a report's [from, until)). */
  until?: Date;
}

/** Fields every ledger row view starts with. */
export interface LedgerRowView {
  id: string;
  mode: string;
  session: string;
  decisionId: string;
  opportunityId: string;
  status: string;
}

/** The shared filters of a ledger table aliased `alias`: mode, session, the period on `fromColumn`/`toColumn` (`to` inclusive, `until` exclusive), and the cursor. */
export function ledgerConditions(alias: string, filter: ListFilter, fromColumn: string, toColumn = fromColumn): Conditions {
  return new Conditions()
    .add(`${alias}.mode = $?`, filter.mode)
    .add(`${alias}.mode_session = $?`, filter.session)
    .add(`${alias}.${fromColumn} >= $?`, filter.from)
    .add(`${alias}.${toColumn} <= $?`, filter.to)
    .add(`${alias}.${toColumn} < $?`, filter.until)
    .add(`${alias}.id < $?`, filter.before);
}
