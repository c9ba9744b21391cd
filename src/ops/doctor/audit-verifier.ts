import { existsSync, readFileSync } from 'node:fs';
import { checkpointKeyFromPem } from '../../audit/checkpoint-key.ts';
import { verifyAuditChain } from '../../audit/verify.ts';
import type { Store } from '../../store/index.ts';
import type { AuditVerifier } from './audit-check.ts';

/**
 * The audit chain verifier orion doctor plugs in: src/audit's walk of the chain and its signed
 * checkpoint, with the checkpoint key read from `keyFile` (ORION_AUDIT_KEY_FILE), never created
 * here. An empty log needs no key; a log with rows and no key cannot be trusted.
 */
export function auditVerifierWith(keyFile: string): AuditVerifier {
  return async (db) => {
    const { rows } = await db.query<{ n: string }>('select count(*)::text as n from audit_log');
    const entries = Number(rows[0]?.n ?? 0);
    if (!existsSync(keyFile)) {
      return entries === 0 ? { ok: true, entries: 0 } : { ok: false, reason: `the checkpoint key ${keyFile} (ORION_AUDIT_KEY_FILE) is missing, so the signed head cannot be checked` };
    }
    const verdict = await verifyAuditChain(db as Store, checkpointKeyFromPem(readFileSync(keyFile, 'utf8')));
    return verdict.ok ? { ok: true, entries: Number(verdict.rows) } : { ok: false, reason: `row ${verdict.firstBadSeq}: ${verdict.reason}` };
  };
}
