import { Type } from '@sinclair/typebox';
import { RoleSchema, Timestamp } from './common.ts';

/** Request and response bodies of the auth routes. */

const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Challenge = Type.String({ minLength: 10, maxLength: 200 });
const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });

export const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Password }, { additionalProperties: false });
export const PasswordChangeBody = Type.Object({ challenge: Challenge, newPassword: Password }, { additionalProperties: false });
export const ChallengeBody = Type.Object({ challenge: Challenge }, { additionalProperties: false });
export const MfaSetupBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024, description: 'the account password again: an access token alone cannot start an MFA setup' }) }, { additionalProperties: false });
export const MfaBody = Type.Object({ challenge: Challenge, code: TotpCode }, { additionalProperties: false });
export const CodeBody = Type.Object(
  {
    code: TotpCode,
    currentCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'a fresh code from the secret enrolled now: required to replace it' })),
  },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });

export const Tokens = Type.Object({
  status: Type.Literal('ok'),
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshTokenExpiresAt: Timestamp,
});

export const ChallengeResponse = Type.Object({
  status: Type.Literal('challenge'),
  next: Type.Union([Type.Literal('password_change'), Type.Literal('mfa_enrolment'), Type.Literal('mfa')]),
  challenge: Type.String(),
  expiresAt: Timestamp,
});

export const LoginResponse = Type.Union([Tokens, ChallengeResponse]);

export const Enrolment = Type.Object({
  secret: Type.String({ description: 'base32 TOTP secret (shown once)' }),
  otpauthUri: Type.String(),
  qrPng: Type.String({ description: 'QR code of otpauthUri as a PNG data URL' }),
});

export const Me = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('api-key')]),
  id: Type.String(),
  username: Type.Optional(Type.String()),
  role: RoleSchema,
  mfaEnrolled: Type.Optional(Type.Boolean()),
  expiresAt: Type.Optional(Timestamp),
});

export const Done = Type.Object({ status: Type.Literal('ok') });
