import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

const ROLES = ['viewer', 'trader', 'risk', 'admin', 'auditor'];

/**
 * `orion user add --username U --role ROLE` (prints a one-time password, to be replaced at
 * first login), `orion user list [--json]`, `orion user disable --username U`. Each change is
 * in the audit log. Given a server or credentials (running-server.ts: an admin's API key or
 * login), add and disable go through the running server's /users; else against the database
 * (PGlite: with the server stopped).
 */
export function register(program: Command): void {
  const user = program.command('user');

  withServerOptions(user
    .command('add')
    .description('add an account with a one-time password (printed once)')
    .requiredOption('--username <name>', 'login name: 3-64 letters, digits, ".", "_", "-", "@"')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`))
    .action(async (options: { username: string; role: string } & ServerOptions) => {
      if (!ROLES.includes(options.role)) throw new InputError(`--role ${JSON.stringify(options.role)} is not a role; allowed: ${ROLES.join(', ')}`);
      if (!/^[A-Za-z0-9._@-]{3,64}$/.test(options.username)) throw new InputError(`--username ${JSON.stringify(options.username)} is not allowed; allowed: 3-64 letters, digits, ".", "_", "-", "@"`);
      if (wantsServer(options)) {
        const added = await withServer(options, { name: 'adding a user' }, (server) => server.call<{ oneTimePassword: string }>('POST', '/users', { username: options.username, role: options.role }));
        return printAdded(options.username, options.role, added.oneTimePassword);
      }
      const { randomPassword } = await import('../auth/users.ts');
      const { Conflict } = await import('../auth/errors.ts');
      const password = randomPassword();
      await withApiServices('pass --api-key KEY or --login USERNAME (an admin) to add the user through its API', async ({ store, auth, audit }) => {
        try {
          // One transaction: an account whose audit record cannot be written is not added.
          await store.transaction(async (tx) => {
            const added = await auth.users.add({ username: options.username, role: options.role as 'viewer', password, mustChangePassword: true }, tx);
            await audit.append({ type: 'user.added', subject: added.pseudonym, details: { userId: added.id, role: added.role, via: 'cli' }, subjectData: { username: added.username } }, tx);
          });
        } catch (error) {
          if (error instanceof Conflict) throw new InputError(`--username ${options.username} is taken`);
          throw error;
        }
      });
      printAdded(options.username, options.role, password);
    });

  user
    .command('list')
    .description('list accounts')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const users = await withApiServices('list users through the API (GET /api/v1/users as an admin)', ({ auth }) => auth.users.list());
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ users: users.map(({ pseudonym: _p, ...u }) => ({ ...u, createdAt: u.createdAt.toISOString() })) })}\n`);
        return;
      }
      const width = Math.max(8, ...users.map((u) => u.username.length));
      process.stdout.write(`${'username'.padEnd(width + 2)}${'role'.padEnd(9)}${'mfa'.padEnd(5)}status\n`);
      for (const u of users) process.stdout.write(`${u.username.padEnd(width + 2)}${u.role.padEnd(9)}${(u.mfaEnrolled ? 'yes' : 'no').padEnd(5)}${u.disabled ? 'disabled' : 'active'}\n`);
    });

  withServerOptions(user
    .command('disable')
    .description('disable an account and revoke its sessions')
    .requiredOption('--username <name>', 'the account'))
    .action(async (options: { username: string } & ServerOptions) => {
      if (wantsServer(options)) {
        await withServer(options, { name: 'disabling a user' }, async (server) => {
          const { users } = await server.call<{ users: { id: string; username: string }[] }>('GET', '/users');
          const found = users.find((u) => u.username === options.username);
          if (found === undefined) throw new InputError(`--username ${options.username}: no such user`);
          await server.call('POST', `/users/${found.id}/disable`);
        });
        process.stdout.write(`disabled ${options.username}; its sessions are revoked\n`);
        return;
      }
      await withApiServices('pass --api-key KEY or --login USERNAME (an admin) to disable the user through its API', async ({ store, auth, audit }) => {
        const found = await auth.users.byUsername(options.username);
        if (found === undefined) throw new InputError(`--username ${options.username}: no such user`);
        await store.transaction(async (tx) => {
          await auth.users.disable(found.id, tx);
          await auth.refreshTokens.revokeUser(found.id, tx);
          await audit.append({ type: 'user.disabled', subject: found.pseudonym, details: { userId: found.id, via: 'cli' } }, tx);
        });
      });
      process.stdout.write(`disabled ${options.username}; its sessions are revoked\n`);
    });
}

function printAdded(username: string, role: string, password: string): void {
  process.stdout.write(`added ${username} (${role}); one-time password: ${password}\n(shown once; it must be replaced at first login)\n`);
}
