import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { AccountLocked } from '../../auth/errors.ts';

/**
 * One error handler: a 4xx says what was wrong with the request; a 5xx says only "internal
 * error" and the request id (the detail goes to the log, never to the caller), except 503,
 * whose message (database not ready) is meant for the caller. Unknown routes answer 404 JSON.
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError & { retryAfterSeconds?: number }, request, reply) => {
      const status = error.validation !== undefined ? 400 : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (error instanceof AccountLocked) void reply.header('retry-after', String(error.retryAfterSeconds));
      if (status >= 500 && status !== 503) {
        request.log.error({ err: error }, 'request failed');
        return reply.code(500).send({ error: 'internal', message: 'internal error', requestId: request.id });
      }
      if (status === 503) return reply.code(503).send({ error: 'unavailable', message: error.message, requestId: request.id });
      // Ajv's "must NOT have additional properties" does not say which: the name is added, so a mistyped parameter is named.
      const extra = (error.validation ?? []).flatMap((v) => (v.keyword === 'additionalProperties' ? [String((v.params as { additionalProperty?: unknown }).additionalProperty)] : []));
      const message = error.validation !== undefined ? `invalid request: ${error.message}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}` : error.message;
      return reply.code(status).send({ error: errorName(status), message, requestId: request.id });
    });
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id }));
  },
  { name: 'errors', fastify: '5.x' },
);

const NAMES: Record<number, string> = { 400: 'bad_request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'too_large', 415: 'unsupported_media_type', 422: 'unprocessable', 423: 'locked', 429: 'rate_limited' };

function errorName(status: number): string {
  return NAMES[status] ?? 'client_error';
}
