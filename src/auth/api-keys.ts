import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.ts';
import { BadRequest, NotFound } from './errors.ts';
import { isRole, type Role } from './roles.ts';
import { secretHash } from './secret-token.ts';

/**
 * API keys for automation (a Prometheus scraper, a script): created by an admin with a role
 * and an expiry, the secret shown once, stored as SHA-256, revocable. Each key has its own
 * pseudonym so the audit log attributes every use to it. "Expired" is by the database's clock
 * (`now()`), at creation and at every use: instances sharing a database agree, and one whose own
 * clock is off neither revives an expired key nor refuses a live one.
 */

/** A key as listed (never its secret). */
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  pseudonym: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

type KeyRow = {
  id: string;
  name: string;
  role: Role;
  pseudonym: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
};

const COLUMNS = 'id, name, role, pseudonym, created_by, created_at, expires_at, revoked_at, last_used_at';

function toKey(row: KeyRow): ApiKey {
  return { id: row.id, name: row.name, role: row.role, pseudonym: row.pseudonym, createdBy: row.created_by, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}

/** Prefix of every API key secret (`oak_<id>_<random>`), so a leaked one is recognisable. */
export const API_KEY_PREFIX = 'oak';

/** The API key store. */
export interface ApiKeys {
  /** Inside `tx` when given, so it commits with the caller's audit record (as `revoke`). */
  create(input: { name: string; role: Role; expiresAt: Date; createdBy: string | null }, tx?: Queryable): Promise<{ key: ApiKey; secret: string }>;
  list(): Promise<ApiKey[]>;
  revoke(id: string, tx?: Queryable): Promise<ApiKey>;
  /** The live key a secret belongs to (not revoked, not expired), marking it used; else undefined. */
  authenticate(secret: string): Promise<ApiKey | undefined>;
  /** Whether key `id` is still live (not revoked, not expired), without marking it used. */
  isLive(id: string): Promise<boolean>;
}

/** API keys over a store. */
export function createApiKeys(store: Store): ApiKeys {
  return {
    async create({ name, role, expiresAt, createdBy }, tx = store) {
      if (!isRole(role)) throw new BadRequest(`unknown role ${JSON.stringify(role)}`);
      if (Number.isNaN(expiresAt.getTime())) throw new BadRequest('expiresAt is not a valid date');
      if (name.trim() === '' || name.length > 100) throw new BadRequest('name must be 1-100 characters');
      const id = randomBytes(6).toString('hex');
      const secret = `${API_KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
      // Inserted only if the expiry is after the database's now(): no row means it is not.
      const rows = await tx.query<KeyRow>(
        `insert into auth_api_key (id, name, role, secret_hash, created_by, expires_at, pseudonym)
         select $1, $2, $3, $4, $5, $6, $7 where $6::timestamptz > now() returning ${COLUMNS}`,
        [id, name.trim(), role, secretHash(secret), createdBy, expiresAt, `k-${randomUUID()}`],
      );
      const row = rows.rows[0];
      if (row === undefined) throw new BadRequest('expiresAt must be in the future');
      return { key: toKey(row), secret };
    },
    async list() {
      return (await store.query<KeyRow>(`select ${COLUMNS} from auth_api_key order by created_at`)).rows.map(toKey);
    },
    async revoke(id, tx = store) {
      const row = (await tx.query<KeyRow>(`update auth_api_key set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}`, [id])).rows[0];
      if (row === undefined) throw new NotFound(`API key ${id} not found`);
      return toKey(row);
    },
    async authenticate(secret) {
      if (!secret.startsWith(`${API_KEY_PREFIX}_`) || secret.length > 200) return undefined;
      const row = (
        await store.query<KeyRow>(
          `update auth_api_key set last_used_at = now() where secret_hash = $1 and revoked_at is null and expires_at > now() returning ${COLUMNS}`,
          [secretHash(secret)],
        )
      ).rows[0];
      return row === undefined ? undefined : toKey(row);
    },
    async isLive(id) {
      return (await store.query('select 1 from auth_api_key where id = $1 and revoked_at is null and expires_at > now()', [id])).rowCount === 1;
    },
  };
}
