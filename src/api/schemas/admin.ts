import { Type } from '@sinclair/typebox';
import { RoleSchema, Timestamp } from './common.ts';

/** Bodies of the admin routes: users, API keys. */

export const UserBody = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  mfaEnrolled: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  disabled: Type.Boolean(),
  createdAt: Timestamp,
});

export const UserList = Type.Object({ users: Type.Array(UserBody) });
export const NewUser = Type.Object({ username: Type.String({ pattern: '^[A-Za-z0-9._@-]{3,64}$' }), role: RoleSchema }, { additionalProperties: false });
export const NewUserResponse = Type.Object({ user: UserBody, oneTimePassword: Type.String({ description: 'shown once; must be replaced at first login' }) });
export const RoleChange = Type.Object({ role: RoleSchema }, { additionalProperties: false });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }) });

export const ApiKeyBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKeyBody) });
export const NewApiKey = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema, expiresAt: Timestamp }, { additionalProperties: false });
export const NewApiKeyResponse = Type.Object({ apiKey: ApiKeyBody, secret: Type.String({ description: 'shown once: send as X-API-Key' }) });
