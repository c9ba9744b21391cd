import { RuntimeFault } from '../errors.ts';
import type { ApiServices } from '../api/services.ts';

/**
 * Opens the configured store and the API services for a CLI command, runs `work`, closes.
 * Modules load here, when a command runs, not when `orion --help` does. A PGlite folder held
 * by a running server is refused with what to do instead (`viaApi`).
 */
export async function withApiServices<T>(viaApi: string, work: (services: ApiServices) => Promise<T>): Promise<T> {
  const [{ loadConfig }, store, { createAuditLog }, { checkpointKeyFor }, { createAuthService }, { erasureJournal }] = await Promise.all([
    import('../config.ts'),
    import('../store/index.ts'),
    import('../audit/audit-log.ts'),
    import('../audit/checkpoint-key.ts'),
    import('../auth/auth-service.ts'),
    import('../auth/erasure.ts'),
  ]);
  const config = loadConfig();
  let opened;
  try {
    opened = await store.openStoreFromConfig(config);
  } catch (error) {
    if (error instanceof store.StoreLockedError) {
      throw new RuntimeFault(`the database folder ${error.folder} is held by a running Orion server (pid ${error.holderPid}): ${viaApi}, or stop the server first`, { cause: error });
    }
    throw error;
  }
  try {
    const audit = createAuditLog(opened, await checkpointKeyFor(opened, config.auditKeyFile));
    const auth = createAuthService(opened, audit, { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtl, refreshTtlSeconds: config.refreshTokenTtl });
    return await work({ store: opened, audit, auth, erasures: erasureJournal(config.dataDir) });
  } finally {
    await opened.close();
  }
}

/**
 * The OS user running this command as the audit log records them (src/audit/cli-operator.ts):
 * `by` is their pseudonym, for the tables and the hashed row; `audited` is the audit event's
 * actor and the OS username as erasable personal data.
 */
export async function currentOperator(db: import('../store/index.ts').Queryable): Promise<{ by: string; audited: { actor: string; actorData: { osUser: string } } }> {
  const [{ userInfo }, { cliOperator }] = await Promise.all([import('node:os'), import('../audit/cli-operator.ts')]);
  const operator = await cliOperator(db, userInfo().username);
  return { by: operator.pseudonym, audited: { actor: operator.pseudonym, actorData: { osUser: operator.actorData.osUser } } };
}
