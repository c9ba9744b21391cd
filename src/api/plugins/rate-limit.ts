import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';

/** Options of the rate-limit plugin. */
export interface RateLimitOptions {
  /** Requests per minute per IP address. */
  max: number;
}

/**
 * Per-IP rate limits: every route `max` requests a minute; routes set a stricter
 * `config.rateLimit` (login, MFA, refresh). Beyond: 429 with `Retry-After`. The counters are
 * per process (an in-memory store); behind several instances each counts its own.
 */
export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app, options) => {
    await app.register(rateLimit, {
      global: true,
      max: options.max,
      timeWindow: 60_000,
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
      errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit exceeded: ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
    });
  },
  { name: 'rate-limit', fastify: '5.x' },
);
