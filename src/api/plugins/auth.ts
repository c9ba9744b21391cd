import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Forbidden, Unauthenticated } from '../../auth/errors.ts';
import { allows, isPermission } from '../../auth/roles.ts';
import type { Principal } from '../principal.ts';
import type { ApiServices } from '../services.ts';

/**
 * Authentication and authorization at the route: every route declares `config.permission`
 * where it is defined; registering one without fails (`app.ready()` rejects), so an unguarded
 * route cannot ship. The permission also sets the route's OpenAPI `security`. Credentials:
 * `Authorization: Bearer <access JWT>`, or an API key as `Authorization: ApiKey <key>` /
 * `X-API-Key: <key>` (each use audited).
 */

/** Routes registered by third-party plugins that are public by nature (the OpenAPI UI and document). */
const PUBLIC_PREFIXES = ['/docs'];

/** The OpenAPI security requirement of a guarded operation. */
export const SECURED = [{ bearerAuth: [] }, { apiKey: [] }];

/** Reads and checks the credentials of a request; undefined when it carries none. */
export async function authenticate(request: FastifyRequest, services: ApiServices): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  const headerKey = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') {
    const [scheme, credential] = header.split(' ', 2);
    if (credential === undefined || credential === '') throw new Unauthenticated('malformed Authorization header');
    if (scheme?.toLowerCase() === 'bearer') {
      const claims = await services.auth.access.verify(credential);
      return { kind: 'user', userId: claims.sub, role: claims.role, sessionId: claims.sid, pseudonym: claims.psn, expiresAt: claims.exp };
    }
    if (scheme?.toLowerCase() === 'apikey') return apiKeyPrincipal(request, services, credential);
    throw new Unauthenticated(`unsupported Authorization scheme ${JSON.stringify(scheme)}; use Bearer or ApiKey`);
  }
  if (typeof headerKey === 'string' && headerKey !== '') return apiKeyPrincipal(request, services, headerKey);
  // Browsers cannot set headers on a WebSocket: its access token may come in the query.
  const queryToken = request.routeOptions.config.websocket === true ? (request.query as { access_token?: unknown } | undefined)?.access_token : undefined;
  if (typeof queryToken === 'string' && queryToken !== '') {
    const claims = await services.auth.access.verify(queryToken);
    return { kind: 'user', userId: claims.sub, role: claims.role, sessionId: claims.sid, pseudonym: claims.psn, expiresAt: claims.exp };
  }
  return undefined;
}

async function apiKeyPrincipal(request: FastifyRequest, services: ApiServices, secret: string): Promise<Principal> {
  const key = await services.auth.apiKeys.authenticate(secret);
  if (key === undefined) throw new Unauthenticated('invalid, expired or revoked API key');
  await services.audit.append({ type: 'api_key.used', actor: key.pseudonym, details: { keyId: key.id, role: key.role, method: request.method, route: request.routeOptions.url ?? request.url }, actorData: { ip: request.ip } });
  return { kind: 'api-key', keyId: key.id, role: key.role, pseudonym: key.pseudonym, expiresAt: Math.ceil(key.expiresAt.getTime() / 1000) };
}

export const authPlugin = fp(
  async (app) => {
    app.decorate('routePermissions', []);
    app.decorateRequest('principal', undefined);

    app.addHook('onRoute', (route) => {
      const declared = route.config?.permission ?? (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix)) ? 'public' : undefined);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) app.routePermissions.push({ method: String(method), url: route.url, permission: declared, hasBody: route.schema?.body !== undefined });
      if (!isPermission(declared)) throw new Error(`route ${methods.join(',')} ${route.url} declares no permission: set config.permission (see src/auth/roles.ts)`);
      const permission = declared;
      route.config = { ...route.config, permission, websocket: route.websocket === true };
      if (route.schema !== undefined || !route.url.startsWith('/docs')) route.schema = { ...route.schema, security: permission === 'public' ? [] : SECURED };
      if (permission === 'public' && route.config.optionalAuth !== true) return;

      const guard: onRequestHookHandler = async (request, reply) => {
        if (route.config?.allowAddresses?.includes(request.ip) === true) return;
        if (permission === 'public') {
          // Optional credentials: a bad or absent one just means "anonymous".
          if (!app.services.ready) return;
          request.principal = await authenticate(request, app.services.get()).catch(() => undefined);
          return;
        }
        const principal = await authenticate(request, app.services.get());
        if (principal === undefined) {
          void reply.header('www-authenticate', 'Bearer');
          throw new Unauthenticated('sign in first: send Authorization: Bearer <access token> or an API key');
        }
        if (!allows(principal.role, permission)) throw new Forbidden(`role ${principal.role} may not ${request.method} ${route.url} (needs ${permission})`);
        request.principal = principal;
      };
      const existing = route.onRequest;
      route.onRequest = existing === undefined ? [guard] : Array.isArray(existing) ? [guard, ...existing] : [guard, existing];
    });
  },
  { name: 'auth', dependencies: ['services'], fastify: '5.x' },
);
