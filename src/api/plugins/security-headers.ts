import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Options of the security-headers plugin. */
export interface SecurityHeadersOptions {
  /** Origins allowed to call cross-origin; empty = none. */
  corsOrigins: readonly string[];
}

/**
 * Security headers on every response, errors and 404s included (helmet runs in onRequest,
 * before any handler can fail): HSTS, a CSP with `frame-ancestors 'none'`, nosniff, and the
 * rest of helmet's defaults. CORS answers only the configured origins.
 */
export const securityHeadersPlugin = fp<SecurityHeadersOptions>(
  async (app, options) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'frame-ancestors': ["'none'"], 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"] },
      },
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
    });
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
