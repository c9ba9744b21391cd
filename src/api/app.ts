import { contractControlRoutes, type ContractController } from './routes/contract-controls.ts';
import { modeRoutes, type ModeProvider } from './routes/mode.ts';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import './fastify-types.ts';
import { ErrorBody } from './schemas/common.ts';
import { authPlugin } from './plugins/auth.ts';
import { DASHBOARD_DIR, dashboardPlugin } from './plugins/dashboard.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { websocketPlugin } from './plugins/websocket.ts';
import { createInProcessBus, type EventBus } from '../bus/index.ts';
import { processWideMetrics, type Metrics } from '../metrics/registry.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { servicesPlugin } from './plugins/services.ts';
import type { Readiness } from './readiness.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { authRoutes } from './routes/auth.ts';
import { complianceRoutes } from './routes/compliance.ts';
import { deskRoutes, type DeskRoutesOptions } from './routes/desk.ts';
import { controlRoutes, type ControlRoutesOptions } from './routes/controls.ts';
import { opsRoutes, type OpsRoutesOptions } from './routes/ops.ts';
import { healthRoutes } from './routes/health.ts';
import { userRoutes } from './routes/users.ts';
import { ServiceGate } from './services.ts';
import type { TrustedProxies } from '../config/values.ts';

/** HTTP settings (a subset of the platform config). */
export interface HttpSettings {
  corsOrigins: readonly string[];
  rateLimit: number;
  authRateLimit: number;
  metricsAllow: readonly string[];
  /** Which proxies X-Forwarded-For is read through (src/config/values.ts `trustedProxies`). */
  trustProxy: TrustedProxies;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Defaults for tests and tools (the platform passes its config). */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = { corsOrigins: [], rateLimit: 1200, authRateLimit: 30, metricsAllow: [], trustProxy: false, logLevel: 'silent' };

/** What the HTTP application serves from. */
export interface AppOptions {
  readiness: Readiness;
  /** Detail of each running component for `/health` (signed-in callers only). */
  details?: () => Record<string, unknown>;
  /** The execution mode now. */
  mode?: () => string;
  /** The database-backed services, opened once the store is (503 until then). */
  gate?: ServiceGate;
  http?: Partial<HttpSettings>;
  /** Metrics served at /metrics (default: the process-wide registry). */
  metrics?: Metrics;
  /** The event bus /ws serves (default: a new in-process bus). */
  bus?: EventBus;
  /** Unread bytes after which a WebSocket client is dropped (default 1 MiB). */
  wsMaxBufferedBytes?: number;
  /** How often a WebSocket opened with an API key checks the key is still live, in ms (default 30 s). */
  wsKeyRecheckMs?: number;
  /** The built dashboard served at `/` (default web/dist; null: none). */
  dashboardDir?: string | null;
  /** The desk routes' sources beyond the ledger (the live executor's attempts). */
  desk?: DeskRoutesOptions;
  /** The mode service and the contract controls of the running instance (503 until the chain is up). */
  live?: { mode: ModeProvider; contract: ContractController };
  /** The protections behind `limits` and `controls/kill-switch`. */
  controls?: ControlRoutesOptions;
  /** The server's own operations (`ops/backup`). */
  ops?: OpsRoutesOptions;
}

/** The API's version prefix. */
export const API_PREFIX = '/api/v1';

// What never reaches a log line: credentials in headers and bodies, tokens in query strings.
const REDACT = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-totp-code"]', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/** A request URL with token-like query parameters masked. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|refresh_token|api_key|key|code|password)=)[^&]*/gi, '$1[REDACTED]');
}

/**
 * The HTTP application (the shape of fastify/demo): plugins that declare their dependencies
 * (services → auth → openapi; security headers, rate limits, one error handler), then the
 * routes, each declaring its permission and its request and response schemas. Probes at the
 * root; everything else under /api/v1; the OpenAPI document at /docs/json, its UI at /docs.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const http = { ...DEFAULT_HTTP_SETTINGS, ...options.http };
  const gate = options.gate ?? new ServiceGate();
  const app = Fastify({
    // The proxies' addresses, never `true` (every hop: the client's own header would decide).
    trustProxy: http.trustProxy === false ? false : [...http.trustProxy],
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
    },
    logger:
      http.logLevel === 'silent'
        ? false
        : {
            level: http.logLevel,
            redact: { paths: REDACT, censor: '[REDACTED]' },
            serializers: {
              req: (request) => ({ method: request.method, url: redactUrl(request.url), hostname: request.hostname, remoteAddress: request.ip, remotePort: request.socket?.remotePort ?? 0 }),
            },
          },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  app.addSchema(ErrorBody);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  void app.register(servicesPlugin, { gate });
  void app.register(securityHeadersPlugin, { corsOrigins: http.corsOrigins });
  void app.register(errorsPlugin);
  void app.register(rateLimitPlugin, { max: http.rateLimit });
  void app.register(authPlugin);
  void app.register(openapiPlugin);
  const metrics = options.metrics ?? processWideMetrics();
  void app.register(metricsPlugin, { metrics, allowAddresses: http.metricsAllow });
  void app.register(websocketPlugin, {
    bus: options.bus ?? createInProcessBus(),
    metrics,
    ...(options.wsMaxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.wsMaxBufferedBytes }),
    ...(options.wsKeyRecheckMs === undefined ? {} : { keyRecheckMs: options.wsKeyRecheckMs }),
  });

  const dashboardDir = options.dashboardDir === undefined ? DASHBOARD_DIR : options.dashboardDir;
  if (dashboardDir !== null) void app.register(dashboardPlugin, { dir: dashboardDir });

  void app.register(healthRoutes, { readiness: options.readiness, mode: options.mode ?? (() => 'sim'), ...(options.details === undefined ? {} : { details: options.details }) });
  void app.register(
    async (api) => {
      await api.register(authRoutes, { authRateLimit: http.authRateLimit });
      await api.register(userRoutes);
      await api.register(apiKeyRoutes);
      await api.register(complianceRoutes, { ...(options.desk?.attempts === undefined ? {} : { attempts: options.desk.attempts }) });
      await api.register(deskRoutes, options.desk ?? {});
      await api.register(modeRoutes, { mode: options.live?.mode ?? (() => undefined) });
      await api.register(contractControlRoutes, { controller: options.live?.contract ?? (() => undefined) });
      await api.register(controlRoutes, options.controls ?? {});
      await api.register(opsRoutes, options.ops ?? {});
    },
    { prefix: API_PREFIX },
  );
  return app;
}
