import { Type } from '@sinclair/typebox';
import { PageQuery, Timestamp } from './common.ts';
import { UserBody } from './admin.ts';
import { ExecutionBody, PnlRowBody } from './desk.ts';

/** Bodies of the compliance and GDPR routes. */

export const AuditRow = Type.Object({
  seq: Type.String({ description: 'sequence number (decimal)' }),
  at: Timestamp,
  type: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]),
  subject: Type.Union([Type.String(), Type.Null()]),
  details: Type.Object({}, { additionalProperties: true }),
  hash: Type.String(),
  personal: Type.Object({}, { additionalProperties: true, description: 'personal data per pseudonym (absent once erased)' }),
});

export const AuditQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const AuditPage = Type.Object({ rows: Type.Array(AuditRow), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const AuditVerification = Type.Object({
  ok: Type.Boolean(),
  rows: Type.String(),
  head: Type.Optional(Type.Union([Type.Object({ seq: Type.String(), hash: Type.String() }), Type.Null()])),
  firstBadSeq: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});

export const SubjectExport = Type.Object({
  user: Type.Intersect([UserBody, Type.Object({ pseudonym: Type.String() })]),
  loginAttempts: Type.Array(Type.Object({ at: Timestamp, ok: Type.Boolean() })),
  auditRows: Type.Array(AuditRow),
});

export const EraseResponse = Type.Object({ status: Type.Literal('erased'), pseudonym: Type.String(), personalRowsRemoved: Type.Integer() });

export const ReportQuery = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
  },
  { additionalProperties: false },
);

const SecurityEvent = Type.Object({
  seq: Type.String(), at: Timestamp, type: Type.String(), actor: Type.Union([Type.String(), Type.Null()]), subject: Type.Union([Type.String(), Type.Null()]),
  details: Type.Object({}, { additionalProperties: true }),
});

export const ReportBody = Type.Object({
  period: Type.Object({ from: Timestamp, to: Timestamp }),
  generatedAt: Timestamp,
  executions: Type.Object({ count: Type.Integer(), byStatus: Type.Record(Type.String(), Type.Integer()), rows: Type.Array(ExecutionBody) }),
  pnl: Type.Object({ note: Type.String(), rows: Type.Array(PnlRowBody) }),
  securityEvents: Type.Object({ count: Type.Integer(), byType: Type.Record(Type.String(), Type.Integer()), rows: Type.Array(SecurityEvent) }),
});
