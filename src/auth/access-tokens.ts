import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { Unauthenticated } from './errors.ts';
import { isRole, type Role } from './roles.ts';
import { JWT_ALGORITHM, type SigningKeys } from './signing-keys.ts';

/**
 * Access tokens: JWTs signed with the active EdDSA key, at most 15 minutes. Verification pins
 * the algorithm (RFC 8725) and requires `kid`, `iss`, `aud`, `exp`, `sub`; `alg: none`, an HMAC
 * token made with the public key, a missing `exp`, a wrong audience, an unknown or expired key
 * id are all one answer: 401.
 */

/** Token settings. */
/** Access tokens whose verification is remembered (only verified ones: a forger cannot fill it). */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  /** Lifetime in seconds (at most 900). */
  ttlSeconds: number;
}

/** Who an access token speaks for. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  role: Role;
  /** Session (refresh family) the token belongs to. */
  sid: string;
  /** The user's audit pseudonym (so routes attribute actions without a lookup). */
  psn: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Longest access-token lifetime allowed. */
export const MAX_ACCESS_TTL_SECONDS = 900;

/** Issues and verifies access tokens. */
export interface AccessTokens {
  issue(subject: { userId: string; role: Role; sessionId: string; pseudonym: string }): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<AccessClaims>;
}

/** Access tokens over the signing keys. */
export function createAccessTokens(keys: SigningKeys, options: AccessTokenOptions): AccessTokens {
  const verified = new Map<string, AccessClaims>();
  if (options.ttlSeconds > MAX_ACCESS_TTL_SECONDS) throw new Error(`access token lifetime ${options.ttlSeconds} s exceeds ${MAX_ACCESS_TTL_SECONDS} s`);
  return {
    async issue({ userId, role, sessionId, pseudonym }) {
      const key = await keys.active();
      const now = Math.floor(Date.now() / 1000);
      const exp = now + options.ttlSeconds;
      const token = await new SignJWT({ role, sid: sessionId, psn: pseudonym })
        .setProtectedHeader({ alg: JWT_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key.privateKey);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    async verify(token) {
      // A token verified before is checked for expiry only: the signature, issuer, audience and
      // claims of the same string cannot have changed (access tokens are stateless; a retired
      // key keeps verifying until its tokens expire). Saves an EdDSA verification per request.
      const known = verified.get(token);
      if (known !== undefined) {
        if (known.exp * 1000 > Date.now()) return { ...known };
        verified.delete(token);
      }
      const claims = await verifyAfresh(token);
      verified.set(token, claims);
      if (verified.size > VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      return { ...claims };
    },
  };

  async function verifyAfresh(token: string): Promise<AccessClaims> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== JWT_ALGORITHM) throw new Unauthenticated(`token algorithm ${String(header.alg)} is not accepted`);
      kid = header.kid;
    } catch (error) {
      if (error instanceof Unauthenticated) throw error;
      throw new Unauthenticated('malformed token');
    }
    if (kid === undefined || kid === '') throw new Unauthenticated('token has no key id');
    const key = await keys.verifying(kid);
    if (key === undefined) throw new Unauthenticated('token signed by an unknown or expired key');
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [JWT_ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'iss', 'aud', 'sub'],
        maxTokenAge: options.ttlSeconds + 60,
      });
      if (typeof payload.sub !== 'string' || !isRole(payload['role']) || typeof payload['sid'] !== 'string' || typeof payload['psn'] !== 'string' || typeof payload.exp !== 'number') {
        throw new Unauthenticated('token claims are incomplete');
      }
      return { sub: payload.sub, role: payload['role'], sid: payload['sid'], psn: payload['psn'], exp: payload.exp };
    } catch (error) {
      if (error instanceof Unauthenticated) throw error;
      if (error instanceof errors.JWTExpired) throw new Unauthenticated('token expired');
      throw new Unauthenticated('invalid token');
    }
  }
}
