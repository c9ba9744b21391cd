import fp from 'fastify-plugin';
import type { Metrics } from '../../metrics/registry.ts';

/** Options of the metrics plugin. */
export interface MetricsPluginOptions {
  metrics: Metrics;
  /** Addresses that may scrape without credentials. */
  allowAddresses: readonly string[];
}

/**
 * `/metrics` in the Prometheus text format, for an API key or a signed-in user (any role), or
 * without credentials from an allow-listed address. Every answer is timed by route template,
 * method and status; failed logins and MFA codes are counted by reason.
 */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, { metrics, allowAddresses }) => {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observe('httpRequestDuration', { route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      if (reply.statusCode === 401 || reply.statusCode === 423) {
        if (route.endsWith('/auth/login')) metrics.inc('loginFailures', { reason: reply.statusCode === 423 ? 'locked' : 'password' });
        else if (route.endsWith('/auth/mfa')) metrics.inc('loginFailures', { reason: 'mfa' });
      }
    });
    app.get(
      '/metrics',
      { logLevel: 'warn', config: { permission: 'metrics.read', allowAddresses }, schema: { tags: ['metrics'], summary: 'Prometheus metrics (API key, sign-in, or an allow-listed address)', produces: ['text/plain'] } },
      async (_request, reply) => {
        const { contentType, body } = await metrics.scrape();
        return reply.type(contentType).send(body);
      },
    );
  },
  { name: 'metrics', dependencies: ['auth'], fastify: '5.x' },
);
