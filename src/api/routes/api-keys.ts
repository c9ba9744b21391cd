import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiKey } from '../../auth/api-keys.ts';
import { actorOf } from '../audit-actor.ts';
import { ApiKeyBody, ApiKeyList, IdParams, NewApiKey, NewApiKeyResponse } from '../schemas/admin.ts';
import { guarded } from '../schemas/common.ts';

function apiKeyBody(key: ApiKey): Static<typeof ApiKeyBody> {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}

/** `/api-keys` (admin): list, create (secret shown once), revoke. */
export const apiKeyRoutes: FastifyPluginAsync = async (app) => {
  const config = { permission: 'api-keys.manage' as const };
  const tags = ['api-keys'];

  app.get('/api-keys', { config, schema: { tags, summary: 'Every API key (never its secret)', response: guarded({ 200: ApiKeyList }) } }, async () => ({
    apiKeys: (await app.services.get().auth.apiKeys.list()).map(apiKeyBody),
  }));

  app.post<{ Body: Static<typeof NewApiKey> }>(
    '/api-keys',
    { config, schema: { tags, summary: 'Create an API key with a role and an expiry', body: NewApiKey, response: guarded({ 201: NewApiKeyResponse }) } },
    async (request, reply) => {
      const { auth, audit, store } = app.services.get();
      const createdBy = request.principal?.kind === 'user' ? request.principal.userId : null;
      // One transaction: a key whose audit record cannot be written does not exist.
      const { key, secret } = await store.transaction(async (tx) => {
        const created = await auth.apiKeys.create({ name: request.body.name, role: request.body.role, expiresAt: new Date(request.body.expiresAt), createdBy }, tx);
        await audit.append({ type: 'api_key.created', ...actorOf(request), subject: created.key.pseudonym, details: { keyId: created.key.id, name: created.key.name, role: created.key.role, expiresAt: created.key.expiresAt.toISOString() } }, tx);
        return created;
      });
      return reply.code(201).send({ apiKey: apiKeyBody(key), secret });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api-keys/:id',
    { config, schema: { tags, summary: 'Revoke an API key', params: IdParams, response: guarded({ 200: ApiKeyBody }, 404) } },
    async (request) => {
      const { auth, audit, store } = app.services.get();
      const key = await store.transaction(async (tx) => {
        const revoked = await auth.apiKeys.revoke(request.params.id, tx);
        await audit.append({ type: 'api_key.revoked', ...actorOf(request), subject: revoked.pseudonym, details: { keyId: revoked.id } }, tx);
        return revoked;
      });
      return apiKeyBody(key);
    },
  );
};
