import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import type { Queryable, Store } from '../store/index.ts';

/**
 * JWT signing keys, kept in the database with their ids so every instance verifies every
 * instance's tokens. One key signs (the newest not retired); `rotate()` retires it and makes a
 * new one, and a retired key keeps verifying for one access-token lifetime after retirement
 * (by the database's clock), so no token is cut short. EdDSA (Ed25519) is the one algorithm, pinned at verification.
 */

/** The pinned JWT algorithm. */
export const JWT_ALGORITHM = 'EdDSA';

/** A key that can verify tokens (and sign, if it is the active one). */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  retiredAt: Date | null;
}

/** The key store. */
export interface SigningKeys {
  /** The key to sign with, creating the first one when there is none. */
  active(): Promise<SigningKey>;
  /** The key with this id if it may still verify tokens at `now`; reloads on an unknown id. */
  verifying(kid: string, now?: Date): Promise<SigningKey | undefined>;
  /**
   * Retires the active key and creates a new one; returns both ids. `record` runs in the same
   * transaction (the caller's audit record), so a rotation is never done without it.
   */
  rotate(record?: (tx: Queryable, rotated: { retired: string | null; active: string }) => Promise<void>): Promise<{ retired: string | null; active: string }>;
}

type KeyRow = {
  kid: string;
  public_jwk: JWK;
  private_jwk: JWK;
  retired_at: Date | null;
};

async function toKey(row: KeyRow): Promise<SigningKey> {
  return {
    kid: row.kid,
    privateKey: (await importJWK(row.private_jwk, JWT_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(row.public_jwk, JWT_ALGORITHM)) as CryptoKey,
    retiredAt: row.retired_at,
  };
}

async function insertNewKey(store: Pick<Store, 'query'>): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(JWT_ALGORITHM, { extractable: true, crv: 'Ed25519' });
  const kid = randomUUID();
  await store.query('insert into auth_signing_key (kid, alg, public_jwk, private_jwk) values ($1, $2, $3::jsonb, $4::jsonb)', [
    kid,
    JWT_ALGORITHM,
    JSON.stringify(await exportJWK(publicKey)),
    JSON.stringify(await exportJWK(privateKey)),
  ]);
  return kid;
}

// How long the key cache is trusted before verification reloads it.
const RELOAD_MS = 30_000;

/** Signing keys over a store; `accessTtlSeconds` is how long a retired key keeps verifying. */
export function createSigningKeys(store: Store, accessTtlSeconds: number): SigningKeys {
  const cache = new Map<string, SigningKey>();
  /**
   * Per key, until when it verifies on this process's clock (ms); null: not retired. The database
   * says how long a retired key has left (`retired_at` + the lifetime − `now()`, its own clock),
   * added to this clock when read: an instance whose clock is off neither cuts the grace short
   * nor stretches it (a rotation after a leak must take effect when it says).
   */
  const verifiesUntil = new Map<string, number | null>();
  let loadedAt = 0;
  const load = async (): Promise<void> => {
    const rows = await store.query<KeyRow & { verifies_for_ms: number | null }>(
      `select kid, public_jwk, private_jwk, retired_at,
         (extract(epoch from retired_at + make_interval(secs => $1) - now()) * 1000)::float8 as verifies_for_ms
       from auth_signing_key`,
      [accessTtlSeconds],
    );
    const readAt = Date.now();
    for (const row of rows.rows) {
      const cached = cache.get(row.kid);
      if (cached === undefined) cache.set(row.kid, await toKey(row));
      else cached.retiredAt = row.retired_at;
      verifiesUntil.set(row.kid, row.verifies_for_ms === null ? null : readAt + Number(row.verifies_for_ms));
    }
    loadedAt = readAt;
  };
  const stillValid = (key: SigningKey, now: Date): boolean => {
    const until = verifiesUntil.get(key.kid) ?? null;
    return until === null || until > now.getTime();
  };

  return {
    async active() {
      // Asked at every issue (logins and refreshes are rare): a rotation by another instance or
      // by the CLI takes effect at once.
      let row = (await store.query<{ kid: string }>('select kid from auth_signing_key where retired_at is null order by created_at desc limit 1')).rows[0];
      if (row === undefined) {
        await store.transaction(async (tx) => {
          await tx.query('select pg_advisory_xact_lock($1)', [0x6f726b79]);
          const existing = (await tx.query<{ kid: string }>('select kid from auth_signing_key where retired_at is null limit 1')).rows[0];
          if (existing === undefined) await insertNewKey(tx);
        });
        row = (await store.query<{ kid: string }>('select kid from auth_signing_key where retired_at is null order by created_at desc limit 1')).rows[0];
      }
      if (row === undefined) throw new Error('no active signing key after creating one');
      if (!cache.has(row.kid)) await load();
      const key = cache.get(row.kid);
      if (key === undefined) throw new Error(`signing key ${row.kid} vanished`);
      return key;
    },

    async verifying(kid, now = new Date()) {
      let key = cache.get(kid);
      // Unknown here (made by another instance or the CLI), or cached long enough that another
      // instance may have retired it: reload. A retirement seen up to RELOAD_MS late is harmless,
      // as a retired key verifies for a whole access-token lifetime anyway.
      if (key === undefined || Date.now() - loadedAt > RELOAD_MS) {
        await load();
        key = cache.get(kid);
      }
      return key !== undefined && stillValid(key, now) ? key : undefined;
    },

    async rotate(record) {
      const result = await store.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [0x6f726b79]);
        const retired = await tx.query<{ kid: string }>('update auth_signing_key set retired_at = now() where retired_at is null returning kid');
        const rotated = { retired: retired.rows[0]?.kid ?? null, active: await insertNewKey(tx) };
        await record?.(tx, rotated);
        return rotated;
      });
      await load();
      return result;
    },
  };
}
