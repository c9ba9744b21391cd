import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/** Options of the security-headers plugin. */
export interface SecurityHeadersOptions {
  /** Origins allowed to call cross-origin; empty = none. */
  corsOrigins: readonly string[];
}

/**
 * Security headers on every response, errors and 404s included (helmet runs in onRequest,
 * before any handler can fail): HSTS, a CSP with `frame-ancestors 'none'`, nosniff, and the
 * rest of helmet's defaults. CORS answers only the configured origins.
 *
 * helmet itself, built once: @fastify/helmet built a new helmet middleware for every request
 * (parsing the CSP directives each time), ~9 % of the server's busy time at 1,000 requests a
 * second (docs/BENCHMARKS.md). No route uses its per-route options or CSP nonces.
 */
export const securityHeadersPlugin = fp<SecurityHeadersOptions>(
  async (app, options) => {
    const applySecurityHeaders = helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'frame-ancestors': ["'none'"], 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"] },
      },
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
    });
    app.addHook('onRequest', (request, reply, done) => applySecurityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
    const allowed = new Set(options.corsOrigins.map((origin) => new URL(origin).origin));
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-TOTP-Code', 'X-Request-Id'],
      maxAge: 600,
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
