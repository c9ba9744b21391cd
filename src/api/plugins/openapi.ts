import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/**
 * The OpenAPI document at `/docs/json` and its UI at `/docs`, served from the package's own
 * assets (no CDN: works offline). Each operation's `security` comes from its declared
 * permission (plugins/auth.ts).
 */
export const openapiPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Orion API', version: '1', description: 'Orion desk API. Amounts are decimal strings in base units; token units and symbol where a person reads them.' },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false, uiConfig: { deepLinking: false } });
  },
  { name: 'openapi', dependencies: ['auth'], fastify: '5.x' },
);
