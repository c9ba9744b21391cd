import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { currentOperator, withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

/**
 * `orion breaker status`, `orion breaker rearm NAME --reason TEXT`: the breakers that hold
 * across restarts (daily-loss until re-armed by hand; revert-breaker until its cooldown block),
 * against the database while the server is stopped; `rearm` through the running server's API
 * when given a server or credentials (running-server.ts; risk and admin).
 */

const BREAKERS = ['daily-loss', 'revert-breaker'];

export function register(program: Command): void {
  const command = program.command('breaker');

  command.command('status').description('tripped breakers with their reason and until when')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const trips = await withApiServices('GET /health on the running server shows the breakers', async ({ store }) => {
        const { openTrips } = await import('../risk-controls/breaker-repository.ts');
        return openTrips(store);
      });
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ tripped: trips.map((t) => ({ breaker: t.breaker, reason: t.reason, trippedBlock: t.trippedBlock.toString(), untilBlock: t.untilBlock?.toString() ?? null, trippedAt: t.trippedAt.toISOString() })) })}\n`);
        return;
      }
      if (trips.length === 0) process.stdout.write('no breaker is tripped\n');
      for (const t of trips) process.stdout.write(`${t.breaker}: tripped at block ${t.trippedBlock} (${t.trippedAt.toISOString()}), ${t.untilBlock === null ? 'until re-armed' : `until block ${t.untilBlock}`}: ${t.reason}\n`);
    });

  withServerOptions(command.command('rearm').description('re-arm a tripped breaker (the daily loss then counts afresh from now)')
    .argument('<breaker>', BREAKERS.join(' or '))
    .requiredOption('--reason <text>', 'why it is safe to trade again'))
    .action(async (breaker: string, options: { reason: string } & ServerOptions) => {
      if (!BREAKERS.includes(breaker)) throw new InputError(`breaker "${breaker}" is not one of ${BREAKERS.join(', ')}`);
      if (wantsServer(options)) {
        const served = await withServer(options, { name: `re-arming the ${breaker} breaker` }, (server) =>
          server.call<{ by: string; at: string }>('POST', `/controls/breakers/${breaker}/rearm`, { reason: options.reason }));
        process.stdout.write(`${breaker} re-armed by ${served.by} at ${served.at}\n`);
        return;
      }
      const { by, at } = await withApiServices('pass --api-key KEY (or ORION_API_KEY) or --login USERNAME to re-arm it through the server', async ({ store, audit }) => {
        const { rearmBreaker } = await import('../risk-controls/breaker-repository.ts');
        const operator = await currentOperator(store);
        // One transaction: a re-arm without its audit record is not made.
        return store.transaction(async (tx) => {
          const rearmed = await rearmBreaker(tx, breaker, operator.by, options.reason);
          await audit.append({ type: 'breaker.rearm', ...operator.audited, details: { breaker, reason: options.reason, via: 'cli', by: operator.by } }, tx);
          return { by: operator.by, at: rearmed };
        });
      });
      process.stdout.write(`${breaker} re-armed by ${by} at ${at.toISOString()}\n`);
    });
}
