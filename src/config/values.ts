import { isIP } from 'node:net';
import { checksumAddress } from 'viem';
import { z } from 'zod';

/**
 * Value parsers for configuration variables. Each accepts the string an environment variable
 * holds or the native JSON value of `orion.config.json` (a number, a boolean, an array), so
 * both sources go through the same checks. A rejection carries a short problem ("is not a
 * number") and the field's `allowed` text, which the loader joins with the variable's name
 * and value into one message.
 */

/** A rejected value: `problem` says what is wrong with it (the loader adds name and value). */
export class ValueProblem extends Error {}

function reject(problem: string): never {
  throw new ValueProblem(problem);
}

/** Wraps a parse function as a zod schema whose issues read "<problem>; allowed: <allowed>". */
export function field<T>(allowed: string, parse: (raw: unknown) => T): z.ZodType<T, z.ZodTypeDef, unknown> {
  return z.unknown().transform((raw, ctx): T => {
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof ValueProblem)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${error.message}; allowed: ${allowed}` });
      return z.NEVER;
    }
  });
}

/** A JSON number, or a string holding one (decimal; surrounding spaces ignored). */
function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return reject(`is a ${typeof raw}, not a number`);
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) reject('is not a number');
  return n;
}

/** An integer in [min, max], from a decimal string or a JSON number. */
export function integer(min: number, max: number): z.ZodType<number, z.ZodTypeDef, unknown> {
  return field(`an integer from ${min} to ${max}`, (raw) => {
    const n = toNumber(raw);
    if (!Number.isSafeInteger(n)) reject('is not an integer');
    if (n < min || n > max) reject('is out of range');
    return n;
  });
}

/** A number in (0, max] (fractions allowed), from a decimal string or a JSON number. */
export function positiveNumber(max: number): z.ZodType<number, z.ZodTypeDef, unknown> {
  return field(`a number of seconds greater than 0 and at most ${max}`, (raw) => {
    const n = toNumber(raw);
    if (n <= 0 || n > max) reject('is out of range');
    return n;
  });
}

/** One of a fixed set of words (case-insensitive). */
export function oneOf<const T extends readonly [string, ...string[]]>(choices: T): z.ZodType<T[number], z.ZodTypeDef, unknown> {
  return field(choices.join(' | '), (raw) => {
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not one of the words`);
    const word = raw.trim().toLowerCase();
    const hit = choices.find((choice) => choice === word);
    if (hit === undefined) reject('is not a known value');
    return hit;
  });
}

const TRUE_WORDS = new Set(['on', 'true', '1', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', '0', 'no']);

/** A switch: on/off (also true/false, 1/0, yes/no) or a JSON boolean. */
export function onOff(): z.ZodType<boolean, z.ZodTypeDef, unknown> {
  return field('on | off (or true/false, 1/0, yes/no)', (raw) => {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not on/off`);
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return reject('is not a switch value');
  });
}

/**
 * Which proxies the client address is read through: false (X-Forwarded-For ignored) or the
 * proxies trusted, by address, CIDR block or proxy-addr's range names (`loopback`, `linklocal`,
 * `uniquelocal`). Never "every hop": then the client names its own address with one header (the
 * left-most entry), passing the /metrics allow list, escaping the per-address rate limits and
 * forging the audit trail's addresses. Not a hop count either: Fastify refuses those (it cannot
 * check the peer), so a count would silently read no header at all.
 */
export type TrustedProxies = false | readonly string[];

/** What `on` trusts: a reverse proxy on this host or on a private network (RFC 1918, fc00::/7). */
export const PROXIES_ON_PRIVATE_NETWORKS = Object.freeze(['loopback', 'uniquelocal']);
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `off`; `on` (a proxy on this host or a private network); or the proxies' IPs, CIDR blocks or range names. */
export function trustedProxies(): z.ZodType<TrustedProxies, z.ZodTypeDef, unknown> {
  return field('off, on (a reverse proxy on this host or a private network), or the proxies (IPs, CIDR blocks, loopback, linklocal, uniquelocal; comma-separated)', (raw) => {
    if (typeof raw === 'boolean') return raw ? PROXIES_ON_PRIVATE_NETWORKS : false;
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not a proxy setting`);
    const word = raw.trim().toLowerCase();
    if (FALSE_WORDS.has(word)) return false;
    if (TRUE_WORDS.has(word)) return PROXIES_ON_PRIVATE_NETWORKS;
    if (/^\d+$/.test(word)) reject('is a hop count: name the proxies instead (a count cannot tell a proxy from a client)');
    return listEntries(raw).map((entry, i) => (PROXY_RANGE_NAMES.has(entry.toLowerCase()) ? entry.toLowerCase() : isIpOrCidr(entry) ? entry : reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not an IP address, CIDR block or range name`)));
  });
}

function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A non-empty text without control characters (paths, host names). */
export function text(allowed: string, pattern?: RegExp): z.ZodType<string, z.ZodTypeDef, unknown> {
  return field(allowed, (raw) => {
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not a text`);
    const value = raw.trim();
    if (value === '') reject('is empty');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(value)) reject('contains a control character');
    if (pattern !== undefined && !pattern.test(value)) reject('is not well-formed');
    return value;
  });
}

/** Splits a comma list (env) or takes a JSON array of strings (file); empty entries are errors. */
function listEntries(raw: unknown): string[] {
  const entries = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : reject(`is a ${typeof raw}, not a list`);
  return entries.map((entry, i) => {
    if (typeof entry !== 'string') reject(`has entry ${i + 1} that is a ${typeof entry}, not a text`);
    const value = entry.trim();
    if (value === '') reject(`has an empty entry ${i + 1}`);
    return value;
  });
}

/** Checks that `value` parses as a URL with one of `protocols` (e.g. ['http:', 'https:']). */
function checkUrl(value: string, protocols: readonly string[], label: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return reject(`${label}is not a URL`);
  }
  if (!protocols.includes(url.protocol)) reject(`${label}has scheme ${url.protocol.replace(/:$/, '')}`);
  if (url.hostname === '' && url.protocol !== 'file:') reject(`${label}has no host`);
  return value;
}

/** A URL whose scheme is one of `protocols` (with the trailing colon, as URL reports it). */
export function url(protocols: readonly string[]): z.ZodType<string, z.ZodTypeDef, unknown> {
  const names = protocols.map((p) => p.replace(/:$/, ''));
  return field(`a URL starting with ${names.map((n) => `${n}://`).join(' or ')}`, (raw) => {
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not a URL`);
    return checkUrl(raw.trim(), protocols, '');
  });
}

/** A comma list (or JSON array) of URLs with one of `protocols`. */
export function urlList(protocols: readonly string[]): z.ZodType<string[], z.ZodTypeDef, unknown> {
  const names = protocols.map((p) => `${p.replace(/:$/, '')}://`);
  return field(`a comma-separated list of URLs starting with ${names.join(', ')}`, (raw) =>
    listEntries(raw).map((entry, i) => checkUrl(entry, protocols, `has entry ${i + 1} (${JSON.stringify(entry)}) that `)),
  );
}

/** A base token given by address (lower-cased) or by symbol (as written; matched case-insensitively). */
export type BaseToken = { type: 'address'; address: `0x${string}` } | { type: 'symbol'; symbol: string };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SYMBOL = /^[^\s,]{1,32}$/u;

/** A comma list (or JSON array) of token addresses (0x + 40 hex, any case) or symbols. */
export function tokenList(): z.ZodType<BaseToken[], z.ZodTypeDef, unknown> {
  return field('a comma-separated list of token addresses (0x + 40 hex digits) or symbols (1-32 characters, no spaces)', (raw) => {
    const tokens: BaseToken[] = [];
    const seen = new Set<string>();
    listEntries(raw).forEach((entry, i) => {
      let token: BaseToken;
      if (/^0x/i.test(entry)) {
        if (!ADDRESS.test(entry)) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not a 20-byte address`);
        token = { type: 'address', address: entry.toLowerCase() as `0x${string}` };
      } else {
        if (!SYMBOL.test(entry)) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not a token symbol`);
        token = { type: 'symbol', symbol: entry };
      }
      const key = token.type === 'address' ? token.address : token.symbol.toLowerCase();
      if (seen.has(key)) reject(`lists ${JSON.stringify(entry)} twice`);
      seen.add(key);
      tokens.push(token);
    });
    if (tokens.length === 0) reject('is empty');
    return tokens;
  });
}

const UINT256_MAX = (1n << 256n) - 1n;

/** A whole number of wei (a uint256): decimal digits, or a JSON number small enough to be exact. */
export function wei(): z.ZodType<bigint, z.ZodTypeDef, unknown> {
  return field('a whole number of wei in decimal digits (1 gwei = 1000000000)', (raw) => {
    if (typeof raw === 'number') {
      // A JSON number above 2^53 has already lost digits when the file was parsed.
      if (!Number.isSafeInteger(raw)) reject(Number.isInteger(raw) ? 'is a JSON number too large to be exact (write it as a string)' : 'is not a whole number');
      if (raw < 0) reject('is negative');
      return BigInt(raw);
    }
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not a number`);
    const digits = raw.trim();
    if (!/^\d+$/.test(digits)) reject(/^-\d+$/.test(digits) ? 'is negative' : 'is not a whole number in decimal digits');
    const value = BigInt(digits);
    if (value > UINT256_MAX) reject('is out of range (more than a uint256)');
    return value;
  });
}

/**
 * A contract address: 0x + 40 hex digits, lower-cased. Mixed case must carry a valid EIP-55
 * checksum (a typo in a checksummed address is then caught); the zero address is refused.
 */
export function address(): z.ZodType<`0x${string}`, z.ZodTypeDef, unknown> {
  return field('a 20-byte address: 0x + 40 hex digits (mixed case must be EIP-55 checksummed), not the zero address', (raw) => {
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not an address`);
    const value = raw.trim();
    if (!ADDRESS.test(value)) reject('is not a 20-byte address');
    const lower = value.toLowerCase() as `0x${string}`;
    const mixed = value.slice(2) !== lower.slice(2) && value.slice(2) !== value.slice(2).toUpperCase();
    if (mixed && checksumAddress(lower) !== value) reject('has a wrong EIP-55 checksum (a mistyped digit?)');
    if (/^0x0{40}$/.test(lower)) reject('is the zero address');
    return lower;
  });
}

/** A comma list (or JSON array) of IP addresses (v4 or v6), as written. */
export function ipList(): z.ZodType<string[], z.ZodTypeDef, unknown> {
  return field('a comma-separated list of IP addresses (e.g. 127.0.0.1,::1)', (raw) =>
    listEntries(raw).map((entry, i) => (isIP(entry) === 0 ? reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not an IP address`) : entry)),
  );
}

/** secp256k1's group order: a private key is a number in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaae6dce6af48a03bbfd25e8cd0364141n;

/**
 * A secp256k1 private key: 0x + 64 hex digits (the 0x may be left out), normalised to lower-case
 * 0x form. The problem never repeats the value: it is a secret.
 */
export function privateKey(): z.ZodType<`0x${string}`, z.ZodTypeDef, unknown> {
  return field('a private key: 0x + 64 hex digits, not zero and below the secp256k1 order', (raw) => {
    if (typeof raw !== 'string') reject(`is a ${typeof raw}, not a key`);
    const value = raw.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(value)) reject(`is not 32 bytes of hex (${value.length} characters after 0x)`);
    const n = BigInt(`0x${value}`);
    if (n === 0n || n >= SECP256K1_N) reject('is outside the secp256k1 key range');
    return `0x${value.toLowerCase()}` as `0x${string}`;
  });
}
