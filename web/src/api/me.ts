import type { Role } from './roles.ts';

/** `/auth/me`: who is signed in. */
export interface Me {
  kind: 'user' | 'api-key';
  id: string;
  username?: string;
  role: Role;
  mfaEnrolled?: boolean;
  expiresAt?: string;
}
