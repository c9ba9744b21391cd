import type { Command } from 'commander';
import { InputError, RuntimeFault } from '../errors.ts';
import { currentOperator, withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

/** What an operator types to confirm a switch to live (as src/api/routes/mode.ts asks it). */
const LIVE_CONFIRMATION = 'SWITCH TO LIVE';

/**
 * `orion mode status | validate | switch sim|live`: the mode service (src/mode) from the shell,
 * over the configured database. Validation needs a chain this process can reach (ORION_RPC_URLS);
 * on the embedded chain it says to use the API of the running instance. Given a server or
 * credentials (running-server.ts), `validate` and `switch` go through the running server's API:
 * an admin; a switch needs a signed-in admin's fresh `--totp` code. A switch to live needs
 * `--confirm "SWITCH TO LIVE"` on both paths: straight to the database too, since on PostgreSQL
 * every running instance follows the stored mode. The database path records the OS user as who
 * switched — their pseudonym (`cli:<random>`), the name itself only as erasable personal data
 * (src/audit/cli-operator.ts); it has no TOTP or role to check (whoever can run it holds the
 * database's credentials).
 */
export function register(program: Command): void {
  const mode = program.command('mode');
  const viaApi = 'pass --login USERNAME (an admin) to go through its API (/api/v1/mode)';

  const withMode = async <T>(work: (service: import('../mode/mode-service.ts').ModeService, store: import('../store/index.ts').Store) => Promise<T>): Promise<T> => {
    const [{ loadConfig }, { createModeService }, { cliValidationTarget }] = await Promise.all([import('../config.ts'), import('../mode/mode-service.ts'), import('../mode/cli-target.ts')]);
    const config = loadConfig();
    return withApiServices(viaApi, ({ store, audit }) => work(createModeService({ store, audit, allowLive: config.allowLive, target: () => cliValidationTarget(config) }), store));
  };
  const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);

  mode
    .command('status')
    .description('the stored mode, since when, the open session and its counters, the last validation')
    .action(async () => print(await withMode((service) => service.status())));

  withServerOptions(mode
    .command('validate')
    .description('run the pre-flight checks of live mode and print each result; exit 1 when one fails')
    .option('--json', 'one JSON document'))
    .action(async (options: { json?: boolean } & ServerOptions) => {
      const report = wantsServer(options)
        ? await withServer(options, { name: 'validating live mode' }, (server) => server.call<{ passed: boolean; checks: { name: string; ok: boolean; detail: string }[] }>('POST', '/mode/validate'))
        : await withMode((service) => service.validate({ label: 'cli' }));
      if (options.json === true) print(report);
      else for (const check of report.checks) process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
      if (!report.passed) throw new RuntimeFault(`live mode would not start: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed`);
    });

  withServerOptions(mode
    .command('switch')
    .argument('<mode>', 'sim or live')
    .option('--confirm <text>', `to live: the typed confirmation "${LIVE_CONFIRMATION}"`)
    .description('switch every instance to MODE (live: ORION_ALLOW_LIVE=on and a passing validation of the last minute); a new mode session'), true)
    .action(async (to: string, options: { confirm?: string } & ServerOptions) => {
      if (to !== 'sim' && to !== 'live') throw new InputError(`mode ${JSON.stringify(to)} is not known; allowed: sim or live`);
      // Before either path: a live switch written straight to the database is followed by every
      // instance on PostgreSQL just as one made through the API is.
      if (to === 'live' && options.confirm !== LIVE_CONFIRMATION) throw new InputError(`switching to live needs the typed confirmation: --confirm "${LIVE_CONFIRMATION}"`);
      if (wantsServer(options)) {
        const body = { mode: to, totp: options.totp, ...(to === 'live' ? { confirmation: options.confirm } : {}) };
        print(await withServer(options, { name: `the switch to ${to}`, freshTotp: true }, (server) => server.call('POST', '/mode/switch', body)));
        return;
      }
      print(await withMode(async (service, store) => {
        const { by, audited } = await currentOperator(store);
        return service.switch(to, { label: by, pseudonym: by, personal: audited.actorData });
      }));
    });
}
