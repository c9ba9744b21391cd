import { pbkdf2Sync } from 'node:crypto';

/**
 * scrypt (Colin Percival's, RFC 7914) without RFC 7914's bound N < 2^(16·r), which OpenSSL
 * (Node's `crypto.scrypt`) and @noble/hashes enforce but geth's golang.org/x/crypto/scrypt
 * does not: the Web3 Secret Storage definition's own scrypt test vector uses n = 2^18 with
 * r = 1, and geth opens such files. Used only for the parameters Node refuses; everything
 * else goes through Node's native scrypt. Checked against Node's scrypt on parameters both
 * accept and against the spec's vector (keystore.test.ts).
 *
 * Pure JavaScript and synchronous per lane: it yields to the event loop between the `p`
 * independent lanes so a long derivation does not starve the process for its whole length.
 */
export async function scryptUnbounded(password: Buffer, salt: Buffer, n: number, r: number, p: number, dklen: number): Promise<Buffer> {
  const laneBytes = 128 * r;
  const b = pbkdf2Sync(password, salt, 1, p * laneBytes, 'sha256');
  const v = new Uint32Array(32 * r * n);
  for (let lane = 0; lane < p; lane++) {
    const x = new Uint32Array(32 * r);
    const offset = lane * laneBytes;
    for (let i = 0; i < 32 * r; i++) x[i] = b.readUInt32LE(offset + 4 * i);
    roMix(x, v, r, n);
    for (let i = 0; i < 32 * r; i++) b.writeUInt32LE(x[i] ?? 0, offset + 4 * i);
    await new Promise<void>((done) => setImmediate(done));
  }
  return pbkdf2Sync(password, b, 1, dklen, 'sha256');
}

/** scryptROMix: fills `v` with N successive BlockMix states, then mixes in N of them chosen by the state itself. */
function roMix(x: Uint32Array, v: Uint32Array, r: number, n: number): void {
  const words = 32 * r;
  const y = new Uint32Array(words);
  const t = new Uint32Array(16);
  const last = (2 * r - 1) * 16;
  for (let i = 0; i < n; i++) {
    v.set(x, i * words);
    blockMix(x, y, t, r);
  }
  for (let i = 0; i < n; i++) {
    // Integerify: the first word of the last 64-byte block; n is a power of 2 at most 2^32.
    const base = ((x[last] ?? 0) % n) * words;
    for (let k = 0; k < words; k++) x[k] = (x[k] ?? 0) ^ (v[base + k] ?? 0);
    blockMix(x, y, t, r);
  }
}

/** scryptBlockMix in place: Salsa20/8 chained over the 2r blocks, even outputs first, then odd (`y`, `t`: scratch). */
function blockMix(b: Uint32Array, y: Uint32Array, t: Uint32Array, r: number): void {
  t.set(b.subarray((2 * r - 1) * 16, 2 * r * 16));
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) t[k] = (t[k] ?? 0) ^ (b[i * 16 + k] ?? 0);
    salsa20x8(t);
    y.set(t, (i % 2 === 0 ? i / 2 : r + (i - 1) / 2) * 16);
  }
  b.set(y);
}

/** The Salsa20/8 core on 16 words, in place (locals, not an array: this runs millions of times). */
function salsa20x8(s: Uint32Array): void {
  let x0 = s[0]!, x1 = s[1]!, x2 = s[2]!, x3 = s[3]!, x4 = s[4]!, x5 = s[5]!, x6 = s[6]!, x7 = s[7]!;
  let x8 = s[8]!, x9 = s[9]!, x10 = s[10]!, x11 = s[11]!, x12 = s[12]!, x13 = s[13]!, x14 = s[14]!, x15 = s[15]!;
  let u: number;
  for (let round = 0; round < 8; round += 2) {
    // Columns.
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);
    // Rows.
    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  // A Uint32Array stores each sum modulo 2^32.
  s[0] = s[0]! + x0; s[1] = s[1]! + x1; s[2] = s[2]! + x2; s[3] = s[3]! + x3; s[4] = s[4]! + x4; s[5] = s[5]! + x5; s[6] = s[6]! + x6; s[7] = s[7]! + x7;
  s[8] = s[8]! + x8; s[9] = s[9]! + x9; s[10] = s[10]! + x10; s[11] = s[11]! + x11; s[12] = s[12]! + x12; s[13] = s[13]! + x13; s[14] = s[14]! + x14; s[15] = s[15]! + x15;
}
