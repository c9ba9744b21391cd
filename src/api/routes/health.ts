import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from '../readiness.ts';
import { urlsAsOrigins } from '../url-origins.ts';

/** Options of the health routes. */
export interface HealthRoutesOptions {
  readiness: Readiness;
  /** The execution mode now (sim or live). */
  mode: () => string;
  /** Detail of each running component, for signed-in callers only. */
  details?: () => Record<string, unknown>;
}

/** JSON with bigints as decimal strings (block numbers, amounts) and URLs as their origins (no keys in paths or user info). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? urlsAsOrigins(v) : v));
}

const Check = Type.Object({ name: Type.String(), state: Type.String() });
const Summary = Type.Object({ status: Type.String(), mode: Type.String(), checks: Type.Array(Check) });

/**
 * The probes: `/healthz` (alive), `/readyz` (every readiness check passed, else 503), and
 * `/health`: anonymous callers get the summary only (status, mode, each check's verdict: no
 * addresses, URLs, amounts or opportunities); a signed-in caller gets the detail, every URL in it
 * shown as its origin (an RPC provider's key sits in the path or user info).
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { readiness, mode, details }) => {
  const tags = ['health'];
  // Probes are polled every few seconds: their request lines would drown the log (warn and up still show).
  const summary = () => ({ mode: mode(), checks: readiness.list().map(({ name, state }) => ({ name, state })) });

  app.get('/healthz', { logLevel: 'warn', config: { permission: 'public' }, schema: { tags, summary: 'Alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { logLevel: 'warn', config: { permission: 'public' }, schema: { tags, summary: 'Ready to serve (503 with the verdicts while not)', response: { 200: Summary, 503: Summary } } }, async (_request, reply) => {
    const ready = readiness.ready;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...summary() });
  });

  app.get(
    '/health',
    {
      config: { permission: 'public', optionalAuth: true },
      schema: {
        tags,
        summary: 'Summary for anyone; detail (database, chain, engine) for signed-in callers',
        response: { 200: Type.Object({}, { additionalProperties: true }), 503: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (request, reply) => {
      const ready = readiness.ready;
      const status = { status: ready ? 'ready' : 'not ready' };
      const body = request.principal === undefined ? { ...status, ...summary() } : { ...status, mode: mode(), checks: readiness.list(), ...(details?.() ?? {}) };
      return reply.code(ready ? 200 : 503).type('application/json').send(toJson(body));
    },
  );
};
