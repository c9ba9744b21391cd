import { Type, type TSchema } from '@sinclair/typebox';

/** Schemas shared by the routes: errors, pagination, timestamps. */

/** Every error body. */
export const ErrorBody = Type.Object(
  { error: Type.String(), message: Type.String(), requestId: Type.Optional(Type.String()) },
  { $id: 'Error', description: 'What went wrong; 5xx bodies say only "internal error" and the request id' },
);

/** An ISO 8601 timestamp. */
export const Timestamp = Type.String({ format: 'date-time' });

/** The error responses a route may give, for its schema and the OpenAPI document. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, Type.Ref(ErrorBody)]));
}

/** Responses of a guarded route: the ones given plus 401, 403, 429 and 503. */
export function guarded(responses: Record<number, TSchema>, ...codes: number[]): Record<number, TSchema> {
  return { ...responses, ...errorResponses(400, 401, 403, 429, 503, ...codes) };
}

/** A cursor page query: `limit` (1-500, default 50) and `cursor` from the previous page. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
};

/** A role name. */
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('trader'), Type.Literal('risk'), Type.Literal('admin'), Type.Literal('auditor')]);
