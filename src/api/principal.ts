import type { Role } from '../auth/roles.ts';

/** Who is calling: a signed-in user (access token) or an API key. */
export type Principal =
  | { kind: 'user'; userId: string; role: Role; sessionId: string; pseudonym: string; expiresAt: number }
  | { kind: 'api-key'; keyId: string; role: Role; pseudonym: string; expiresAt: number };
