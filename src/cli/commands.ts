import type { Command } from 'commander';

/** A command module adds one subcommand (its options and action) to the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * One `orion` subcommand as the program knows it before loading it: `orion --help` lists every
 * name and summary without importing a single command module, and a run imports only the module
 * of the command it runs (src/cli.ts, `buildProgram`). That is what keeps `orion --help` and
 * `orion quote` quick: `orion start` pulls in the whole platform, `orion quote` one pool's math.
 */
export interface CommandEntry {
  /** The subcommand's name, as typed: `orion NAME`. */
  readonly name: string;
  /** One line for `orion --help` and `orion NAME --help` (the module sets no description of its own). */
  readonly summary: string;
  /** Imports the command's module, whose `register` adds `program.command(NAME)` with its options and action. */
  readonly load: () => Promise<{ register: RegisterCommand }>;
}

/**
 * Every `orion` subcommand, one module each under src/cli/, in the order of `orion --help`.
 * To add a command, add ONE line here, and keep every heavy import inside the module's
 * own file (never here, never in src/cli.ts), e.g.:
 *
 *   { name: 'risk', summary: 'show the risk limits in force', load: () => import('./risk.ts') },
 *
 * src/cli.test.ts checks that each module registers exactly the command its line names.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'start', summary: 'run the platform: local chain seeded from a real snapshot, database, HTTP on HOST:PORT', load: () => import('./start.ts') },
  { name: 'migrate', summary: 'apply pending database migrations (PGlite under ORION_DATA_DIR, or DATABASE_URL)', load: () => import('./migrate.ts') },
  { name: 'scan', summary: 'find and size arbitrage cycles in a pool snapshot (orion.pools/v1), ranked by net profit', load: () => import('./scan.ts') },
  { name: 'bench', summary: 'run a benchmark and print its figures as JSON', load: () => import('./bench.ts') },
  { name: 'devnet', summary: 'run the local chain: anvil with real Uniswap V2/V3, seeded from a snapshot, until Ctrl-C', load: () => import('./devnet.ts') },
  { name: 'quote', summary: 'exact swap quote on one pool of a snapshot (orion.pools/v1): amounts in base units and token units', load: () => import('./quote.ts') },
  { name: 'snapshot', summary: 'read pools from a chain at one block and write an orion.pools/v1 snapshot', load: () => import('./snapshot.ts') },
  { name: 'risk', summary: 'risk figures (VaR, ES, Sharpe, Sortino, Calmar, drawdown, SQN…) of a CSV of timestamp,pnl rows', load: () => import('./risk.ts') },
  { name: 'replay', summary: 'replay recorded blocks (V2 reserves per block, V3 logs): opportunities, profit net of gas and flash fee, and how long each lasted', load: () => import('./replay.ts') },
  { name: 'backup', summary: 'write a verified logical backup of the database (every table, a manifest with counts and SHA-256s) to one file', load: () => import('./backup.ts') },
  { name: 'restore', summary: 'restore a backup file into the configured database (verified before and after; an empty database unless --force)', load: () => import('./restore.ts') },
  { name: 'doctor', summary: 'check the installation: database, migrations, Redis, RPC endpoints, disk, audit chain, last backup, executor contract', load: () => import('./doctor.ts') },
  { name: 'limits', summary: 'the risk limits as data: show, set KEY=VALUE…, history, rollback --to N', load: () => import('./limits.ts') },
  { name: 'kill-switch', summary: 'stop all new plans, or let them go again: engage | release --reason TEXT, status', load: () => import('./kill-switch.ts') },
  { name: 'breaker', summary: 'tripped breakers: status, rearm NAME --reason TEXT', load: () => import('./breaker.ts') },
  { name: 'user', summary: 'manage accounts: add, list, disable', load: () => import('./user.ts') },
  { name: 'audit', summary: 'the hash-chained audit log: verify', load: () => import('./audit.ts') },
  { name: 'auth', summary: 'access tokens: rotate the signing key', load: () => import('./auth.ts') },
];
