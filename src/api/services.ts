import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthService } from '../auth/auth-service.ts';
import type { ErasureJournal } from '../auth/erasure.ts';
import type { Store } from '../store/index.ts';
import { OrionError } from '../errors.ts';

/**
 * What the routes need from the database, handed over once it is open. Fastify registers
 * routes before `listen`, while the store opens after it (so /healthz answers during boot):
 * routes reach the services through this gate and answer 503 until it opens.
 */

/** The database-backed services the API serves. */
export interface ApiServices {
  store: Store;
  auth: AuthService;
  audit: AuditLog;
  /** Where GDPR erasures are journaled (ORION_DATA_DIR/erasure-journal.jsonl), for a restore to apply again. */
  erasures: ErasureJournal;
}

/** The database is not open yet (boot) or failed: 503. */
export class ServiceUnavailable extends OrionError {
  readonly statusCode = 503;
}

/** Lazy access to the services. */
export class ServiceGate {
  private services: ApiServices | undefined;

  /** Hands the services over; routes serve from now on. */
  open(services: ApiServices): void {
    this.services = services;
  }

  /** Whether the services are available. */
  get ready(): boolean {
    return this.services !== undefined;
  }

  /** The services, or a 503 while the database is not ready. */
  get(): ApiServices {
    if (this.services === undefined) throw new ServiceUnavailable('the database is not ready yet; retry shortly');
    return this.services;
  }
}
