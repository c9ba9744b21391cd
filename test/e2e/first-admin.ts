import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { base32Decode, totpAt } from '../../src/auth/totp.ts';

/**
 * Signs in as the first-run admin: the password from ORION_DATA_DIR/admin-credentials.txt,
 * then the MFA enrolment every admin owes at first login. Returns an access token.
 */
export async function signInFirstAdmin(url: string, dataDir: string): Promise<string> {
  const file = join(dataDir, 'admin-credentials.txt');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const password = /password: (\S+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  const post = async (path: string, body: unknown) => (await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Record<string, string>>;
  const login = await post('/auth/login', { username: 'admin', password });
  expect(login).toMatchObject({ status: 'challenge', next: 'mfa_enrolment' });
  const enrolment = await post('/auth/mfa/enrol', { challenge: login['challenge'] });
  const tokens = await post('/auth/mfa', { challenge: login['challenge'], code: totpAt(base32Decode(enrolment['secret'] ?? ''), Date.now() / 1000) });
  expect(tokens['status']).toBe('ok');
  return tokens['accessToken'] ?? '';
}

