import { createDecipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { keccak256, toHex } from 'viem';
import { InputError } from '../../errors.ts';
import { scryptUnbounded } from './scrypt-unbounded.ts';

/**
 * Decrypts a Web3 Secret Storage v3 keystore (the JSON geth, foundry's `cast wallet` and most
 * wallets write): the password goes through the file's KDF (scrypt or PBKDF2-HMAC-SHA256) to a
 * derived key; keccak256(derived[16..32] ‖ ciphertext) must equal the file's MAC — that is how
 * a wrong password is told apart from a right one — and only then is the ciphertext decrypted
 * with AES-128-CTR under derived[0..16]. Nothing here signs: it returns the 32 key bytes.
 */

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

/** KDF costs beyond these are refused: a hostile or corrupt file must not take the machine's memory or minutes of CPU. */
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;
const MAX_PBKDF2_ROUNDS = 10_000_000;

/** The keystore cannot be used as it is (not JSON, not v3, an unknown KDF or cipher, a bad field). */
export class MalformedKeystoreError extends InputError {}

/** The password does not open the keystore (the MAC does not match). */
export class WrongPasswordError extends InputError {}

/**
 * The private key inside `json` (0x + 64 hex). `source` names the file in every error (e.g.
 * `ORION_KEYSTORE=/etc/orion/hot.json`); the password never appears in one.
 */
export async function decryptKeystore(json: string, password: string, source: string): Promise<`0x${string}`> {
  const malformed = (problem: string): never => {
    throw new MalformedKeystoreError(`${source}: not a usable Web3 Secret Storage v3 keystore: ${problem}`, { details: { source } });
  };
  let file: unknown;
  try {
    file = JSON.parse(json);
  } catch (error) {
    return malformed(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(file)) return malformed('not a JSON object');
  if (file['version'] !== 3) return malformed(`version is ${JSON.stringify(file['version'])}; allowed: 3`);
  // geth writes "crypto"; some older wallets wrote "Crypto".
  const crypto = file['crypto'] ?? file['Crypto'];
  if (!isObject(crypto)) return malformed('no crypto object');
  if (crypto['cipher'] !== 'aes-128-ctr') return malformed(`crypto.cipher is ${JSON.stringify(crypto['cipher'])}; allowed: aes-128-ctr`);
  const cipherparams = crypto['cipherparams'];
  const iv = hexField(isObject(cipherparams) ? cipherparams['iv'] : undefined, 'crypto.cipherparams.iv', malformed);
  if (iv.length !== 16) return malformed(`crypto.cipherparams.iv is ${iv.length} bytes; allowed: 16`);
  const ciphertext = hexField(crypto['ciphertext'], 'crypto.ciphertext', malformed);
  if (ciphertext.length !== 32) return malformed(`crypto.ciphertext is ${ciphertext.length} bytes; allowed: 32 (one secp256k1 key)`);
  const mac = hexField(crypto['mac'], 'crypto.mac', malformed);
  if (mac.length !== 32) return malformed(`crypto.mac is ${mac.length} bytes; allowed: 32`);

  const derived = await deriveKey(crypto, Buffer.from(password, 'utf8'), malformed);
  if (derived.length < 32) return malformed(`kdfparams.dklen is ${derived.length}; allowed: at least 32`);
  const expected = Buffer.from(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])).slice(2), 'hex');
  if (!timingSafeEqual(expected, mac)) {
    throw new WrongPasswordError(`${source}: wrong password (the keystore's MAC does not match what the password derives)`, { details: { source } });
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return toHex(key);
}

type Malformed = (problem: string) => never;

async function deriveKey(crypto: Record<string, unknown>, password: Buffer, malformed: Malformed): Promise<Buffer> {
  const kdf = crypto['kdf'];
  const params = crypto['kdfparams'];
  if (!isObject(params)) return malformed('no crypto.kdfparams object');
  const salt = hexField(params['salt'], 'crypto.kdfparams.salt', malformed);
  const dklen = positiveInteger(params['dklen'], 'dklen', malformed);
  if (kdf === 'scrypt') {
    const n = positiveInteger(params['n'], 'n', malformed);
    const r = positiveInteger(params['r'], 'r', malformed);
    const p = positiveInteger(params['p'], 'p', malformed);
    if (n < 2 || (n & (n - 1)) !== 0) return malformed(`crypto.kdfparams.n is ${n}; allowed: a power of 2`);
    const memory = 128 * n * r + 128 * r * p + 1024 * r;
    if (memory > MAX_SCRYPT_MEMORY) return malformed(`scrypt with n=${n} r=${r} needs ${memory} bytes; allowed: at most ${MAX_SCRYPT_MEMORY}`);
    // RFC 7914 (and so OpenSSL) wants n < 2^(16r); geth does not, and neither does the spec's own vector (r = 1).
    if (16 * r < 32 && n >= 2 ** (16 * r)) return scryptUnbounded(password, salt, n, r, p, dklen);
    return scryptAsync(password, salt, dklen, { N: n, r, p, maxmem: memory + 1024 * 1024 });
  }
  if (kdf === 'pbkdf2') {
    if (params['prf'] !== 'hmac-sha256') return malformed(`crypto.kdfparams.prf is ${JSON.stringify(params['prf'])}; allowed: hmac-sha256`);
    const c = positiveInteger(params['c'], 'c', malformed);
    if (c > MAX_PBKDF2_ROUNDS) return malformed(`crypto.kdfparams.c is ${c}; allowed: at most ${MAX_PBKDF2_ROUNDS}`);
    return pbkdf2Async(password, salt, c, dklen, 'sha256');
  }
  return malformed(`crypto.kdf is ${JSON.stringify(kdf)}; allowed: scrypt or pbkdf2`);
}

function hexField(value: unknown, name: string, malformed: Malformed): Buffer {
  if (typeof value !== 'string') return malformed(`${name} is missing or not a string`);
  const digits = value.replace(/^0x/i, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) return malformed(`${name} is not hex bytes`);
  return Buffer.from(digits, 'hex');
}

function positiveInteger(value: unknown, name: string, malformed: Malformed): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return malformed(`crypto.kdfparams.${name} is ${JSON.stringify(value)}; allowed: a positive integer`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
