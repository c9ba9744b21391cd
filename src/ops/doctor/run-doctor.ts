import type { Config } from '../../config.ts';
import { openStore, storeOptionsFromConfig, type Store } from '../../store/index.ts';
import { auditCheck, type AuditVerifier } from './audit-check.ts';
import { auditVerifierWith } from './audit-verifier.ts';
import { backupAgeCheck } from './backup-check.ts';
import type { DoctorCheck, NamedResult } from './check.ts';
import { databaseCheck } from './database-check.ts';
import { diskCheck } from './disk-check.ts';
import { executorCheck } from './executor-check.ts';
import { redisCheck } from './redis-check.ts';
import { rpcChecks } from './rpc-check.ts';

/** Every check for `config`, in the order printed. Pass the audit verifier once src/audit exists. */
export function doctorChecks(config: Config, options: { verifyAudit?: AuditVerifier } = {}): DoctorCheck[] {
  return [databaseCheck, redisCheck, ...rpcChecks(config), diskCheck('data'), diskCheck('backups'), auditCheck(options.verifyAudit ?? auditVerifierWith(config.auditKeyFile)), backupAgeCheck, executorCheck];
}

/**
 * Runs `checks` one after another against the configured database (opened once, read only in
 * effect, closed after); a check that throws is reported as 'fail' with its message.
 */
export async function runDoctor(config: Config, checks: readonly DoctorCheck[], now: Date = new Date()): Promise<NamedResult[]> {
  let store: Store | undefined;
  let storeProblem: Error | undefined;
  try {
    store = await openStore(storeOptionsFromConfig(config));
  } catch (error) {
    storeProblem = error as Error;
  }
  const results: NamedResult[] = [];
  try {
    for (const check of checks) {
      try {
        results.push({ name: check.name, ...(await check.run({ config, store, storeProblem, now })) });
      } catch (error) {
        results.push({ name: check.name, verdict: 'fail', detail: `the check itself failed: ${(error as Error).message}` });
      }
    }
  } finally {
    await store?.close();
  }
  return results;
}
