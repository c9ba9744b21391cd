import type { Queryable } from '../../store/index.ts';
import type { AuditHead } from './format.ts';
import { ident } from './schema-catalog.ts';

/**
 * The audit log's head for the manifest: the last entry's position and chain hash, so a
 * restored log can be checked to end where the backup's did. The audit log (src/audit) is not
 * on this branch yet: this reads a table named AUDIT_TABLE with an `id` and a `hash` column and
 * returns null when it is absent. When merging, point AUDIT_TABLE / the column names at the
 * real audit table (or replace this function: the backup takes any `AuditHeadReader`).
 */

/** The audit table's name in the store's schema. */
export const AUDIT_TABLE = 'audit_log';

/** Reads the audit head from an open session; null when there is no audit table or no entry. */
export type AuditHeadReader = (db: Queryable) => Promise<AuditHead | null>;

/** The default reader: the row of greatest `id` of AUDIT_TABLE and its `hash`. */
export const readAuditHead: AuditHeadReader = async (db) => {
  const found = await db.query<{ id: boolean; hash: boolean; [column: string]: unknown }>(
    `select bool_or(column_name = 'id') as id, bool_or(column_name = 'hash') as hash
       from information_schema.columns where table_schema = current_schema() and table_name = $1`,
    [AUDIT_TABLE],
  );
  const columns = found.rows[0];
  if (columns?.id !== true || columns.hash !== true) return null;
  const head = await db.query<{ position: string; hash: string; [column: string]: unknown }>(
    `select id::text as position, hash::text as hash from ${ident(AUDIT_TABLE)} order by id desc limit 1`,
  );
  const row = head.rows[0];
  return row === undefined ? null : { table: AUDIT_TABLE, position: row.position, hash: row.hash };
};
