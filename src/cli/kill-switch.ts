import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { currentOperator, withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

/**
 * `orion kill-switch engage|release --reason TEXT`, `orion kill-switch status`: through the
 * running server's API when given a server or credentials (running-server.ts; engage: trader
 * and up, release: risk and admin), else against the database while the server is stopped.
 * While it runs (and even when its API is down), create
 * the file ORION_DATA_DIR/KILL (its content is the reason): the engine engages the switch within
 * one block. Releasing is deliberate: this command (or the API) releases it and removes the
 * file; deleting the file alone does not.
 */

const VIA_API = 'pass --api-key KEY (or ORION_API_KEY) or --login USERNAME to go through it (POST /api/v1/controls/kill-switch/…), or create the file KILL in the data folder to engage it now';

export function register(program: Command): void {
  const command = program.command('kill-switch');

  for (const engaged of [true, false]) {
    withServerOptions(command.command(engaged ? 'engage' : 'release')
      .description(engaged ? 'stop all new plans (persisted: it holds across restarts until released)' : 'let the engine plan again (removes the file KILL too)')
      .requiredOption('--reason <text>', 'why (kept and shown in /health)'))
      .action(async (options: { reason: string } & ServerOptions) => {
        if (wantsServer(options)) {
          const verb = engaged ? 'engage' : 'release';
          const served = await withServer(options, { name: `${engaged ? 'engaging' : 'releasing'} the kill switch` }, (server) =>
            server.call<{ engaged: boolean; reason: string; actor: string; at: string | null }>('POST', `/controls/kill-switch/${verb}`, { reason: options.reason }));
          process.stdout.write(`kill switch ${served.engaged ? 'ENGAGED' : 'released'} by ${served.actor} at ${served.at ?? 'unknown'}: ${served.reason}\n`);
          return;
        }
        const { loadConfig } = await import('../config.ts');
        const dataDir = loadConfig().dataDir;
        const state = await withApiServices(VIA_API, async ({ store, audit }) => {
          const { recordKillSwitch } = await import('../risk-controls/kill-switch-repository.ts');
          if (!engaged) rmSync(join(dataDir, 'KILL'), { force: true });
          const { by, audited } = await currentOperator(store);
          // One transaction: a switch set without its audit record is not set.
          return store.transaction(async (tx) => {
            const written = await recordKillSwitch(tx, engaged, options.reason, by, 'cli');
            await audit.append({ type: engaged ? 'kill-switch.engage' : 'kill-switch.release', ...audited, details: { reason: written.reason, via: 'cli', by } }, tx);
            return written;
          });
        });
        process.stdout.write(`kill switch ${state.engaged ? 'ENGAGED' : 'released'} by ${state.actor} at ${state.at.toISOString()}: ${state.reason}\n`);
      });
  }

  command.command('status').description('the switch as last set, and whether the file KILL is waiting to engage it')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { loadConfig } = await import('../config.ts');
      const { existsSync } = await import('node:fs');
      const killFile = join(loadConfig().dataDir, 'KILL');
      const state = await withApiServices('GET /health on the running server shows the switch', async ({ store }) => {
        const { readKillSwitch } = await import('../risk-controls/kill-switch-repository.ts');
        return readKillSwitch(store);
      });
      const file = existsSync(killFile);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ engaged: state?.engaged ?? false, reason: state?.reason ?? null, actor: state?.actor ?? null, via: state?.via ?? null, at: state?.at.toISOString() ?? null, killFile: file })}\n`);
        return;
      }
      process.stdout.write(state === null ? 'kill switch: never engaged\n' : `kill switch: ${state.engaged ? 'ENGAGED' : 'released'} by ${state.actor} (${state.via}) at ${state.at.toISOString()}: ${state.reason}\n`);
      if (file) process.stdout.write(`the file ${killFile} exists: the engine engages the switch at its next block\n`);
    });
}
