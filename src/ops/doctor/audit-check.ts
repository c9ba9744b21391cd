import { AUDIT_TABLE } from '../backup/index.ts';
import { fail, ok, skip, warn, type DoctorCheck } from './check.ts';
import type { Queryable } from '../../store/index.ts';

/**
 * Verifies the hash-chained audit log with a pluggable verifier (orion doctor plugs src/audit's,
 * audit-verifier.ts); it returns how many entries it checked, or throws / returns a broken
 * position.
 */
export type AuditVerifier = (db: Queryable) => Promise<{ ok: true; entries: number } | { ok: false; reason: string }>;

/** The audit chain check: skip without an audit table, warn without a verifier, else its verdict. */
export function auditCheck(verify?: AuditVerifier): DoctorCheck {
  return {
    name: 'audit chain',
    async run({ store }) {
      if (store === undefined) return skip('the database is not open (see the database check)');
      const table = await store.query<{ name: string | null }>('select to_regclass($1)::text as name', [AUDIT_TABLE]);
      if (table.rows[0]?.name == null) return skip(`no ${AUDIT_TABLE} table in this database`);
      if (verify === undefined) return warn(`${AUDIT_TABLE} exists but no verifier is plugged into orion doctor`);
      try {
        const verdict = await verify(store);
        return verdict.ok ? ok(`${verdict.entries} entries, chain intact`) : fail(`chain broken: ${verdict.reason}`);
      } catch (error) {
        return fail(`verification failed: ${(error as Error).message}`);
      }
    },
  };
}
