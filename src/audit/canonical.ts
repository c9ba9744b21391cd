import { createHash } from 'node:crypto';

/**
 * The bytes an audit row's hash covers. Canonical JSON (object keys sorted at every depth, no
 * whitespace) of the row's hashed fields, so the same row always hashes the same whatever
 * order the database hands its jsonb keys back in.
 */

/** A JSON value as stored in an audit row's details (numbers must be safe integers or plain decimals). */
export type AuditJson = string | number | boolean | null | AuditJson[] | { [key: string]: AuditJson };

/** The hashed fields of one audit row. */
export interface HashedRow {
  seq: bigint;
  at: Date;
  type: string;
  actor: string | null;
  subject: string | null;
  details: Record<string, AuditJson>;
}

/** The hash that precedes the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted recursively. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical text of a row's hashed fields. */
export function canonicalRow(row: HashedRow): string {
  return canonicalJson({ seq: row.seq.toString(), at: row.at.toISOString(), type: row.type, actor: row.actor, subject: row.subject, details: row.details });
}

/** SHA-256(previous hash ‖ canonical row), hex. */
export function rowHash(prevHash: string, row: HashedRow): string {
  return createHash('sha256').update(prevHash).update(canonicalRow(row)).digest('hex');
}
