import Fastify, { type FastifyInstance } from 'fastify';
import type { Readiness } from './readiness.ts';

/** What the HTTP application serves from. */
export interface AppOptions {
  readiness: Readiness;
  /** Detail of each running component for `/health` (engine, market, endpoints). */
  details?: () => Record<string, unknown>;
}

/** JSON with bigints as decimal strings (block numbers, amounts). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * The HTTP application. For now the probes an orchestrator needs: `/healthz` answers 200 while
 * the process is up, `/readyz` 200 once every readiness check passed (503 with the pending or
 * failed checks before that), `/health` the detail: readiness plus each component's status.
 */
export function buildApp({ readiness, details }: AppOptions): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = readiness.list();
    if (readiness.ready) return { status: 'ready', checks };
    return reply.code(503).send({ status: 'not ready', checks });
  });

  app.get('/health', async (_request, reply) => {
    const body = { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.list(), ...(details?.() ?? {}) };
    return reply.code(readiness.ready ? 200 : 503).type('application/json').send(toJson(body));
  });

  return app;
}
