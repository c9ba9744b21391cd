import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditLog } from '../audit/audit-log.ts';
import { randomPassword, type Users } from './users.ts';

/**
 * First run: with no account yet, create `admin` with a random password, write it to
 * `<dataDir>/admin-credentials.txt` (mode 0600) and return it so `npm start` prints it once.
 * The admin enrols MFA at first login (MFA is mandatory for admin).
 */

/** File the first admin's credentials are written to, inside the data folder. */
export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.txt';

/** Creates the first admin when there is no account; the credentials, or undefined if accounts exist. */
export async function ensureFirstAdmin(users: Users, audit: AuditLog, dataDir: string): Promise<{ username: string; password: string; file: string } | undefined> {
  if ((await users.count()) > 0) return undefined;
  const password = randomPassword();
  const user = await users.add({ username: 'admin', role: 'admin', password, mustChangePassword: false });
  const file = join(dataDir, ADMIN_CREDENTIALS_FILE);
  writeFileSync(file, `username: admin\npassword: ${password}\n# MFA enrolment is asked at first login. Delete this file once you have stored the password.\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  await audit.append({ type: 'user.added', subject: user.pseudonym, details: { role: 'admin', by: 'first run' }, subjectData: { username: user.username } });
  return { username: user.username, password, file };
}
