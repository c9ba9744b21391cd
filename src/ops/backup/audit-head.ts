import type { Queryable } from '../../store/index.ts';
import type { AuditHead } from './format.ts';
import { ident } from './schema-catalog.ts';

/**
 * The audit log's head for the manifest: the last entry's position and chain hash, so a
 * restored log can be checked to end where the backup's did: the hash-chained `audit_log` of
 * src/audit (migration 0004), its greatest `seq` and that row's `hash`; null when the table is
 * absent (a database migrated to an earlier version) or empty.
 */

/** The audit table's name in the store's schema. */
export const AUDIT_TABLE = 'audit_log';

/** Reads the audit head from an open session; null when there is no audit table or no entry. */
export type AuditHeadReader = (db: Queryable) => Promise<AuditHead | null>;

/** The default reader: the row of greatest `seq` of AUDIT_TABLE and its `hash`. */
export const readAuditHead: AuditHeadReader = async (db) => {
  const found = await db.query<{ id: boolean; hash: boolean; [column: string]: unknown }>(
    `select bool_or(column_name = 'seq') as id, bool_or(column_name = 'hash') as hash
       from information_schema.columns where table_schema = current_schema() and table_name = $1`,
    [AUDIT_TABLE],
  );
  const columns = found.rows[0];
  if (columns?.id !== true || columns.hash !== true) return null;
  const head = await db.query<{ position: string; hash: string; [column: string]: unknown }>(
    `select seq::text as position, hash::text as hash from ${ident(AUDIT_TABLE)} order by seq desc limit 1`,
  );
  const row = head.rows[0];
  return row === undefined ? null : { table: AUDIT_TABLE, position: row.position, hash: row.hash };
};
