import type { Permission } from '../auth/roles.ts';
import type { Principal } from './principal.ts';
import type { ServiceGate } from './services.ts';

// Route-level declarations every route carries, and what the plugins decorate.
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission the route needs (src/auth/roles.ts); a route without one fails registration. */
    permission?: Permission;
    /** Public route that still reads credentials when given (e.g. /health's detail). */
    optionalAuth?: boolean;
    /** Addresses that may call without credentials (the /metrics scraper allow-list). */
    allowAddresses?: readonly string[];
    /** Set by the auth plugin for WebSocket routes (their token may come in the query). */
    websocket?: boolean;
  }
  interface FastifyInstance {
    services: ServiceGate;
    /** Every route the auth plugin saw, with its declared permission. */
    routePermissions: Array<{ method: string; url: string; permission: Permission | undefined; hasBody: boolean }>;
  }
  interface FastifyRequest {
    /** The authenticated caller, set by the auth plugin (undefined on public routes). */
    principal: Principal | undefined;
  }
}

export {};
