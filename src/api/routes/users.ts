import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BadRequest } from '../../auth/errors.ts';
import { randomPassword, type User } from '../../auth/users.ts';
import { actorOf } from '../audit-actor.ts';
import { IdParams, NewUser, NewUserResponse, RoleChange, UserBody, UserList } from '../schemas/admin.ts';
import { guarded } from '../schemas/common.ts';

/** A user as the API shows it. */
export function userBody(user: User): Static<typeof UserBody> {
  return { id: user.id, username: user.username, role: user.role, mfaEnrolled: user.mfaEnrolled, mustChangePassword: user.mustChangePassword, disabled: user.disabled, createdAt: user.createdAt.toISOString() };
}

/** `/users` (admin): list, add with a one-time password, change a role, disable. */
export const userRoutes: FastifyPluginAsync = async (app) => {
  const config = { permission: 'users.manage' as const };
  const tags = ['users'];

  app.get('/users', { config, schema: { tags, summary: 'Every account', response: guarded({ 200: UserList }) } }, async () => ({
    users: (await app.services.get().auth.users.list()).map(userBody),
  }));

  app.post<{ Body: Static<typeof NewUser> }>(
    '/users',
    { config, schema: { tags, summary: 'Add an account with a one-time password (shown once)', body: NewUser, response: guarded({ 201: NewUserResponse }, 409) } },
    async (request, reply) => {
      const { auth, audit, store } = app.services.get();
      const oneTimePassword = randomPassword();
      const user = await store.transaction(async (tx) => {
        const added = await auth.users.add({ username: request.body.username, role: request.body.role, password: oneTimePassword, mustChangePassword: true }, tx);
        await audit.append({ type: 'user.added', ...actorOf(request), subject: added.pseudonym, details: { userId: added.id, role: added.role }, subjectData: { username: added.username } }, tx);
        return added;
      });
      return reply.code(201).send({ user: userBody(user), oneTimePassword });
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof RoleChange> }>(
    '/users/:id',
    { config, schema: { tags, summary: "Change an account's role", params: IdParams, body: RoleChange, response: guarded({ 200: UserBody }, 404) } },
    async (request) => {
      const { auth, audit, store } = app.services.get();
      if (request.principal?.kind === 'user' && request.principal.userId === request.params.id) throw new BadRequest('an admin may not change their own role');
      // One transaction: a change whose audit record cannot be written is not made.
      const after = await store.transaction(async (tx) => {
        const before = await auth.users.byId(request.params.id, tx);
        await auth.users.setRole(request.params.id, request.body.role, tx);
        const changed = await auth.users.byId(request.params.id, tx);
        if (before === undefined || changed === undefined) throw new BadRequest('user vanished');
        await audit.append({ type: 'user.role.changed', ...actorOf(request), subject: changed.pseudonym, details: { userId: changed.id, from: before.role, to: changed.role } }, tx);
        return changed;
      });
      return userBody(after);
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/users/:id/disable',
    { config, schema: { tags, summary: 'Disable an account and revoke its sessions', params: IdParams, response: guarded({ 200: UserBody }, 404) } },
    async (request) => {
      const { auth, audit, store } = app.services.get();
      if (request.principal?.kind === 'user' && request.principal.userId === request.params.id) throw new BadRequest('an admin may not disable their own account');
      const user = await store.transaction(async (tx) => {
        await auth.users.disable(request.params.id, tx);
        await auth.refreshTokens.revokeUser(request.params.id, tx);
        const disabled = await auth.users.byId(request.params.id, tx);
        if (disabled === undefined) throw new BadRequest('user vanished');
        await audit.append({ type: 'user.disabled', ...actorOf(request), subject: disabled.pseudonym, details: { userId: disabled.id } }, tx);
        return disabled;
      });
      return userBody(user);
    },
  );
};
