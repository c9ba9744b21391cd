import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import type { LimitsVersion } from '../risk-controls/limits-repository.ts';
import { currentOperator, withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

/**
 * `orion limits show | set KEY=VALUE… | history | rollback --to N`: the risk limits as data
 * (src/orchestrator/limits.ts lists the keys). `set` and `rollback` go through the running
 * server's API when given a server or credentials (running-server.ts: an API key or login with
 * the risk or admin role), else to the database while the server is stopped (PGlite belongs to
 * one process; on PostgreSQL a running server picks a change up within seconds). Every change
 * is a new version with who and why, and is in the audit log.
 */

const VIA_API = 'pass --api-key KEY (or ORION_API_KEY) or --login USERNAME to change the limits through it (PUT /api/v1/limits, risk or admin)';

export function register(program: Command): void {
  const limits = program.command('limits');

  limits.command('show').description('the limits in force, in token units')
    .option('--json', 'one JSON document (amounts as decimal strings of base units)')
    .action(async (options: { json?: boolean }) => {
      const { current, tokens } = await readCurrent();
      const { describeLimits, limitsToJson } = await import('../orchestrator/limits.ts');
      if (options.json === true) return print({ version: current.version, changedAt: current.changedAt.toISOString(), actor: current.actor, limits: limitsToJson(current.limits) });
      process.stdout.write(`limits version ${current.version} (${current.changedAt.toISOString()}, by ${current.actor}${current.comment === null ? '' : `: ${current.comment}`})\n`);
      for (const row of describeLimits(current.limits, tokens)) process.stdout.write(`  ${row.key.padEnd(40)} ${row.value}\n`);
    });

  withServerOptions(limits.command('set').description('change limits: KEY=VALUE… (amounts in token units, tokens by symbol or address; KEY=none removes a per-token limit)')
    .argument('<assignments...>', 'e.g. max_input.WETH=50 min_net_profit.USDC=5 max_gas_price=80gwei')
    .option('--comment <text>', 'why (kept with the version)'))
    .action(async (assignments: string[], options: { comment?: string } & ServerOptions) => {
      if (wantsServer(options)) {
        const body = { set: assignments, ...(options.comment === undefined ? {} : { comment: options.comment }) };
        return printShown(await withServer(options, { name: 'changing the limits' }, (server) => server.call<ServedVersion>('PUT', '/limits', body)));
      }
      const written = await withMarket(async ({ store, audit, chainId, tokens }) => {
        const { applyAssignments } = await import('../orchestrator/limits.ts');
        const { writeLimits } = await import('../risk-controls/limits-repository.ts');
        const { by, audited } = await currentOperator(store);
        // The audit record is written in the version's transaction: both or neither.
        const version = await writeLimits(store, chainId, (current) => applyAssignments(current.limits, assignments, tokens), by, options.comment ?? null, undefined, async (tx, written) => {
          await audit.append({ type: 'limits.set', ...audited, details: { version: written.version, changes: written.changes.map((c) => ({ ...c })), comment: options.comment ?? null, via: 'cli', by } }, tx);
        });
        return { version, tokens };
      });
      await printChanges(written.version, written.tokens);
    });

  limits.command('history').description('every version, newest first, with who changed what and why')
    .option('--limit <n>', 'at most this many versions', '20')
    .option('--json', 'one JSON document')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new InputError(`--limit must be a whole number from 1, got "${options.limit}"`);
      const { history, tokens } = await withMarket(async ({ store, tokens }) => {
        const { limitsHistory } = await import('../risk-controls/limits-repository.ts');
        return { history: await limitsHistory(store, limit), tokens };
      });
      if (options.json === true) return print({ versions: history.map((v) => ({ version: v.version, changedAt: v.changedAt.toISOString(), actor: v.actor, comment: v.comment, changes: v.changes })) });
      for (const version of history) await printChanges(version, tokens);
    });

  withServerOptions(limits.command('rollback').description('restore an earlier version exactly (written as a new version)')
    .requiredOption('--to <version>', 'the version to restore')
    .option('--comment <text>', 'why'))
    .action(async (options: { to: string; comment?: string } & ServerOptions) => {
      const to = Number(options.to);
      if (!Number.isInteger(to) || to < 1) throw new InputError(`--to must be a version number from 1, got "${options.to}"`);
      if (wantsServer(options)) {
        const body = { version: to, ...(options.comment === undefined ? {} : { comment: options.comment }) };
        return printShown(await withServer(options, { name: 'rolling the limits back' }, (server) => server.call<ServedVersion>('POST', '/limits/rollback', body)));
      }
      const written = await withMarket(async ({ store, audit, chainId, tokens }) => {
        const { rollbackLimits } = await import('../risk-controls/limits-repository.ts');
        const { by, audited } = await currentOperator(store);
        const version = await rollbackLimits(store, chainId, to, by, options.comment ?? null, async (tx, written) => {
          await audit.append({ type: 'limits.rollback', ...audited, details: { version: written.version, to, changes: written.changes.map((c) => ({ ...c })), via: 'cli', by } }, tx);
        });
        return { version, tokens };
      });
      await printChanges(written.version, written.tokens);
    });
}

type Market = Awaited<ReturnType<typeof import('../risk-controls/stored-tokens.ts').storedMarket>> & object;

async function withMarket<T>(work: (ctx: Parameters<Parameters<typeof withApiServices>[1]>[0] & Market) => Promise<T>): Promise<T> {
  return withApiServices(VIA_API, async (services) => {
    const { storedMarket } = await import('../risk-controls/stored-tokens.ts');
    const market = await storedMarket(services.store);
    if (market === undefined) throw new InputError('the limits were never seeded: start the platform once (`orion start`), which writes version 1 from the configuration');
    return work({ ...services, ...market });
  });
}

async function readCurrent(): Promise<{ current: LimitsVersion; tokens: Market['tokens'] }> {
  return withMarket(async ({ store, tokens }) => {
    const { currentLimits } = await import('../risk-controls/limits-repository.ts');
    return { current: (await currentLimits(store))!, tokens };
  });
}

/** A version as the API answers it (src/api/routes/controls.ts): each change also as a person reads it. */
interface ServedVersion {
  version: number;
  changedAt: string;
  actor: string;
  comment: string | null;
  changes: { shown: { key: string; old: string; new: string } }[];
}

async function printChanges(version: LimitsVersion, tokens: Market['tokens']): Promise<void> {
  const { describeEntry } = await import('../orchestrator/limits.ts');
  printShown({
    ...version,
    changedAt: version.changedAt.toISOString(),
    changes: version.changes.map((change) => {
      const after = describeEntry(change.key, change.new, tokens);
      return { shown: { key: after.key, old: describeEntry(change.key, change.old, tokens).value, new: after.value } };
    }),
  });
}

/** The same lines whether the change went through the server or the database. */
function printShown(version: ServedVersion): void {
  process.stdout.write(`version ${version.version} (${version.changedAt}, by ${version.actor}${version.comment === null ? '' : `: ${version.comment}`})\n`);
  for (const { shown } of version.changes) process.stdout.write(`  ${shown.key.padEnd(40)} ${shown.old} → ${shown.new}\n`);
}

function print(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document)}\n`);
}
