import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, generateTotpSecret, matchTotp, otpauthUri, totpAt, type TotpAlgorithm } from './totp.ts';

// The RFC 6238 Appendix B vectors, read from ../shared/SECURITY-TESTS.md (independent of this code).
const SECURITY_TESTS = new URL('../../../shared/SECURITY-TESTS.md', import.meta.url);

function rfcVectors(): Array<{ t: number; codes: [string, string, string] }> {
  let text: string;
  try {
    text = readFileSync(SECURITY_TESTS, 'utf8');
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    return [];
  }
  const section = text.slice(text.indexOf('RFC 6238 Appendix B'));
  return [...section.matchAll(/t=(\d+): (\d{8}) \/ (\d{8}) \/ (\d{8})/g)].map((m) => ({ t: Number(m[1]), codes: [m[2] ?? '', m[3] ?? '', m[4] ?? ''] }));
}

const SEEDS: Array<[TotpAlgorithm, Buffer]> = [
  ['sha1', Buffer.from('12345678901234567890')],
  ['sha256', Buffer.from('12345678901234567890123456789012')],
  ['sha512', Buffer.from('1234567890123456789012345678901234567890123456789012345678901234')],
];

describe('TOTP (RFC 6238)', () => {
  const vectors = rfcVectors();

  it('reads all six Appendix B times', () => {
    if (vectors.length === 0 && process.env['CI'] !== 'true') return; // shared/ absent outside CI
    expect(vectors.map((v) => v.t)).toEqual([59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000]);
  });

  it('matches every Appendix B vector (SHA-1, SHA-256, SHA-512; 8 digits)', () => {
    for (const { t, codes } of vectors) {
      SEEDS.forEach(([algorithm, seed], i) => expect(totpAt(seed, t, { algorithm, digits: 8 }), `${algorithm} t=${t}`).toBe(codes[i]));
    }
  });

  it('accepts the current step ±1 and nothing further', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015;
    const bytes = base32Decode(secret);
    expect(matchTotp(secret, totpAt(bytes, now), now, null)).toBe(BigInt(Math.floor(now / 30)));
    expect(matchTotp(secret, totpAt(bytes, now - 30), now, null)).toBe(BigInt(Math.floor(now / 30) - 1));
    expect(matchTotp(secret, totpAt(bytes, now + 30), now, null)).toBe(BigInt(Math.floor(now / 30) + 1));
    const far = totpAt(bytes, now - 90);
    if (far !== totpAt(bytes, now) && far !== totpAt(bytes, now - 30) && far !== totpAt(bytes, now + 30)) expect(matchTotp(secret, far, now, null)).toBeNull();
    expect(matchTotp(secret, 'abcdef', now, null)).toBeNull();
    expect(matchTotp(secret, '1234567', now, null)).toBeNull();
  });

  it('refuses a replayed code (a step at or before the last one accepted)', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015;
    const code = totpAt(base32Decode(secret), now);
    const step = matchTotp(secret, code, now, null);
    expect(step).not.toBeNull();
    expect(matchTotp(secret, code, now, step)).toBeNull();
    expect(matchTotp(secret, totpAt(base32Decode(secret), now - 30), now, step)).toBeNull();
  });

  it('base32 round-trips and matches RFC 4648 examples', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(() => base32Decode('M1')).toThrow(/base32/);
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'alice', 'Orion')).toBe('otpauth://totp/Orion:alice?secret=JBSWY3DPEHPK3PXP&issuer=Orion&algorithm=SHA1&digits=6&period=30');
  });
});
