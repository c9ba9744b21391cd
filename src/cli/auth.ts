import type { Command } from 'commander';
import { withApiServices } from './api-services.ts';

/**
 * `orion auth rotate-key`: retires the JWT signing key and makes a new one. Tokens signed by
 * the retired key stay valid until they expire (one access-token lifetime).
 */
export function register(program: Command): void {
  const auth = program.command('auth');
  auth
    .command('rotate-key')
    .description('rotate the JWT signing key (old tokens stay valid until they expire)')
    .action(async () => {
      const result = await withApiServices('rotate through the API (POST /api/v1/auth/keys/rotate as an admin)', async ({ auth: service, audit }) => {
        // The audit record is written in the rotation's transaction: both or neither.
        return service.keys.rotate(async (tx, rotated) => {
          await audit.append({ type: 'auth.key.rotated', details: { retired: rotated.retired, active: rotated.active, via: 'cli' } }, tx);
        });
      });
      process.stdout.write(`signing key rotated: new key ${result.active}${result.retired === null ? '' : `; ${result.retired} verifies until its tokens expire`}\n`);
    });
}
