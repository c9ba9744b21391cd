import { randomBytes } from 'node:crypto';
import type { AuditJson } from './canonical.ts';
import type { Queryable } from '../store/index.ts';

/**
 * The person at the CLI, as the audit log records them: a pseudonym (`cli:<random>`) in the
 * hashed row and in the tables (limits, kill switch, breakers, mode), and their OS username
 * only as personal data (`audit_personal`, outside the hash), so a GDPR erase can remove it and
 * the chain still verifies — the way the API records a user and their address.
 */
export interface CliOperator {
  pseudonym: string;
  actorData: Record<string, AuditJson> & { osUser: string };
}

/** The pseudonym this OS user already has (from their personal data), or a new one. */
export async function cliOperator(db: Queryable, osUser: string): Promise<CliOperator> {
  const known = await osUserPseudonyms(db, osUser);
  return { pseudonym: known[0] ?? `cli:${randomBytes(8).toString('hex')}`, actorData: { osUser } };
}

/** Every pseudonym whose personal data names `osUser`, the most recent first (what an erase of that person removes). */
export async function osUserPseudonyms(db: Queryable, osUser: string): Promise<string[]> {
  const found = await db.query<{ pseudonym: string }>(
    `select pseudonym from audit_personal where data ->> 'osUser' = $1 group by pseudonym order by max(seq) desc`,
    [osUser],
  );
  return found.rows.map((row) => row.pseudonym);
}
