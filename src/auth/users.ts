import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.ts';
import { BadRequest, Conflict, NotFound } from './errors.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from './password.ts';
import { isRole, type Role } from './roles.ts';

/** Accounts: who may sign in, with which role, and their MFA state. */

/** One account as the rest of the code sees it (no secrets). */
export interface User {
  id: string;
  username: string;
  role: Role;
  pseudonym: string;
  mfaEnrolled: boolean;
  mustChangePassword: boolean;
  disabled: boolean;
  erased: boolean;
  createdAt: Date;
}

/** An account with what login needs. */
export interface UserSecrets extends User {
  passwordHash: string;
  mfaSecret: string | null;
  mfaPendingSecret: string | null;
  /** What started the pending setup: `session:<refresh family id>` or `challenge:<its SHA-256>`. */
  mfaPendingOrigin: string | null;
  /** The pending secret's time is up (by the database's clock): it can no longer be confirmed. */
  mfaPendingExpired: boolean;
  lastTotpStep: bigint | null;
}

type UserRow = {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  must_change_password: boolean;
  disabled_at: Date | null;
  erased_at: Date | null;
  mfa_secret: string | null;
  mfa_pending_secret: string | null;
  mfa_pending_origin: string | null;
  mfa_pending_expired: boolean;
  last_totp_step: bigint | null;
  pseudonym: string;
  created_at: Date;
};

const COLUMNS =
  'id, username, role, password_hash, must_change_password, disabled_at, erased_at, mfa_secret, mfa_pending_secret, mfa_pending_origin, ' +
  'coalesce(mfa_pending_expires_at <= now(), false) as mfa_pending_expired, last_totp_step, pseudonym, created_at';

/** How long a pending MFA secret may be confirmed, in seconds. */
export const MFA_SETUP_TTL_SECONDS = 600;

function toUser(row: UserRow): UserSecrets {
  if (!isRole(row.role)) throw new Error(`user ${row.id} has unknown role ${row.role}`);
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    pseudonym: row.pseudonym,
    mfaEnrolled: row.mfa_secret !== null,
    mustChangePassword: row.must_change_password,
    disabled: row.disabled_at !== null,
    erased: row.erased_at !== null,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
    mfaSecret: row.mfa_secret,
    mfaPendingSecret: row.mfa_pending_secret,
    mfaPendingOrigin: row.mfa_pending_origin,
    mfaPendingExpired: row.mfa_pending_expired,
    lastTotpStep: row.last_totp_step,
  };
}

/** Strips what must never leave the auth layer. */
export function publicUser(user: UserSecrets | User): User {
  const { id, username, role, pseudonym, mfaEnrolled, mustChangePassword, disabled, erased, createdAt } = user;
  return { id, username, role, pseudonym, mfaEnrolled, mustChangePassword, disabled, erased, createdAt };
}

/** A username: 3-64 letters, digits, `.`, `_`, `-`, `@`. */
export const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;

/** A random password for first runs and one-time passwords (24 base64url characters, 144 bits). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Refuses a password too short to be safe. */
export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new BadRequest(`password is too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new BadRequest('password is too long: at most 1024 characters');
}

/** The account repository. */
export interface Users {
  byUsername(username: string): Promise<UserSecrets | undefined>;
  byId(id: string, tx?: Queryable): Promise<UserSecrets | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  add(input: { username: string; role: Role; password: string; mustChangePassword: boolean }, tx?: Queryable): Promise<User>;
  setPassword(id: string, password: string): Promise<void>;
  /** Inside `tx` when given, so it commits with the caller's audit record. */
  setRole(id: string, role: Role, tx?: Queryable): Promise<void>;
  disable(id: string, tx?: Queryable): Promise<void>;
  /** A new pending secret, owned by `origin` (see UserSecrets), for MFA_SETUP_TTL_SECONDS. */
  setPendingMfaSecret(id: string, secret: string, origin: string): Promise<void>;
  /**
   * Moves the pending secret to the enrolled one, if it is still `pending`, owned by `origin` and
   * unexpired, and records the step its first code used; false otherwise.
   */
  confirmMfa(id: string, pending: string, origin: string, step: bigint): Promise<boolean>;
  /** Records a used TOTP step if it is after the last one; false when another request used it first. */
  useTotpStep(id: string, step: bigint): Promise<boolean>;
  /** GDPR erase: username replaced by `erased-<pseudonym>`, secrets dropped, account disabled. */
  erase(id: string, tx?: Queryable): Promise<void>;
}

/** Accounts over a store. */
export function createUsers(store: Store): Users {
  const one = async (sql: string, params: string[], tx?: Queryable): Promise<UserSecrets | undefined> => {
    const row = (await (tx ?? store).query<UserRow>(sql, params, { bigint: ['last_totp_step'] })).rows[0];
    return row === undefined ? undefined : toUser(row);
  };
  const mustChange = async (sql: string, params: Array<string | bigint | boolean>, id: string, tx?: Queryable): Promise<void> => {
    if ((await (tx ?? store).query(sql, params)).rowCount === 0) throw new NotFound(`user ${id} not found`);
  };
  return {
    byUsername: (username) => one(`select ${COLUMNS} from auth_user where username = $1`, [username]),
    byId: (id, tx) => one(`select ${COLUMNS} from auth_user where id = $1`, [id], tx),
    async list() {
      const rows = await store.query<UserRow>(`select ${COLUMNS} from auth_user order by created_at, username`, [], { bigint: ['last_totp_step'] });
      return rows.rows.map((row) => publicUser(toUser(row)));
    },
    async count() {
      return Number((await store.query<{ n: bigint }>('select count(*)::int8 as n from auth_user')).rows[0]?.n ?? 0);
    },
    async add({ username, role, password, mustChangePassword }, tx) {
      if (!USERNAME.test(username)) throw new BadRequest('username must be 3-64 letters, digits, ".", "_", "-" or "@"');
      if (!isRole(role)) throw new BadRequest(`unknown role ${JSON.stringify(role)}`);
      checkPasswordStrength(password);
      const id = randomUUID();
      const passwordHash = await hashPassword(password);
      const inserted = await (tx ?? store).query<UserRow>(
        `insert into auth_user (id, username, role, password_hash, must_change_password, pseudonym) values ($1, $2, $3, $4, $5, $6)
         on conflict (username) do nothing returning ${COLUMNS}`,
        [id, username, role, passwordHash, mustChangePassword, `u-${randomUUID()}`],
        { bigint: ['last_totp_step'] },
      );
      const row = inserted.rows[0];
      if (row === undefined) throw new Conflict(`username ${username} is taken`);
      return publicUser(toUser(row));
    },
    async setPassword(id, password) {
      checkPasswordStrength(password);
      await mustChange('update auth_user set password_hash = $2, must_change_password = false where id = $1', [id, await hashPassword(password)], id);
    },
    setRole: (id, role, tx) => mustChange('update auth_user set role = $2 where id = $1', [id, role], id, tx),
    disable: (id, tx) => mustChange('update auth_user set disabled_at = coalesce(disabled_at, now()) where id = $1', [id], id, tx),
    setPendingMfaSecret: (id, secret, origin) =>
      mustChange(
        'update auth_user set mfa_pending_secret = $2, mfa_pending_origin = $3, mfa_pending_expires_at = now() + make_interval(secs => $4) where id = $1',
        [id, secret, origin, BigInt(MFA_SETUP_TTL_SECONDS)],
        id,
      ),
    async confirmMfa(id, pending, origin, step) {
      const result = await store.query(
        `update auth_user set mfa_secret = mfa_pending_secret, mfa_pending_secret = null, mfa_pending_origin = null, mfa_pending_expires_at = null, last_totp_step = $4
         where id = $1 and mfa_pending_secret = $2 and mfa_pending_origin = $3 and mfa_pending_expires_at > now()`,
        [id, pending, origin, step],
      );
      return result.rowCount === 1;
    },
    async useTotpStep(id, step) {
      const result = await store.query('update auth_user set last_totp_step = $2 where id = $1 and (last_totp_step is null or last_totp_step < $2)', [id, step]);
      return result.rowCount === 1;
    },
    async erase(id, tx) {
      const result = await (tx ?? store).query(
        `update auth_user set username = 'erased-' || pseudonym, password_hash = '!', mfa_secret = null, mfa_pending_secret = null, mfa_pending_origin = null,
         disabled_at = coalesce(disabled_at, now()), erased_at = now() where id = $1`,
        [id],
      );
      if (result.rowCount === 0) throw new NotFound(`user ${id} not found`);
    },
  };
}
