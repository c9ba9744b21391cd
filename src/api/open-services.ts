import type { Config } from '../config.ts';
import { createAuditLog } from '../audit/audit-log.ts';
import { loadOrCreateCheckpointKey } from '../audit/checkpoint-key.ts';
import { createAuthService } from '../auth/auth-service.ts';
import { erasureJournal } from '../auth/erasure.ts';
import { ensureFirstAdmin } from '../auth/first-run.ts';
import type { Store } from '../store/index.ts';
import type { HttpSettings } from './app.ts';
import type { ApiServices } from './services.ts';

/** The HTTP settings of a platform config. */
export function httpSettings(config: Config): HttpSettings {
  return {
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    authRateLimit: config.authRateLimit,
    metricsAllow: config.metricsAllow,
    trustProxy: config.trustProxy,
    logLevel: config.logLevel,
  };
}

/**
 * The database-backed API services over an open (migrated) store: the audit log signed with
 * the key file, the auth service, and on first run the admin account, whose random password is
 * written to ORION_DATA_DIR/admin-credentials.txt (0600) and said once, with the dashboard's URL.
 */
export async function openApiServices(store: Store, config: Config, say: (line: string) => void, dashboardUrl?: string): Promise<ApiServices> {
  const audit = createAuditLog(store, loadOrCreateCheckpointKey(config.auditKeyFile));
  const auth = createAuthService(store, audit, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtl,
    refreshTtlSeconds: config.refreshTokenTtl,
  });
  const admin = await ensureFirstAdmin(auth.users, audit, config.dataDir);
  if (admin !== undefined) {
    const where = dashboardUrl === undefined ? '' : `; sign in at ${dashboardUrl}`;
    say(`first run: created user "${admin.username}" with password ${admin.password} (shown once; also in ${admin.file}, mode 0600); MFA enrolment is asked at first login${where}`);
  }
  await auth.keys.active();
  const erasures = erasureJournal(config.dataDir);
  await erasures.ensure();
  return { store, auth, audit, erasures };
}
