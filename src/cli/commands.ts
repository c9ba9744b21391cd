import type { Command } from 'commander';
import { register as registerStart } from './start.ts';
import { register as registerMigrate } from './migrate.ts';
import { register as registerScan } from './scan.ts';
import { register as registerBench } from './bench.ts';
import { register as registerDevnet } from './devnet.ts';
import { register as registerQuote } from './quote.ts';
import { register as registerSnapshot } from './snapshot.ts';
import { register as registerRisk } from './risk.ts';
import { register as registerReplay } from './replay.ts';
import { register as registerBackup } from './backup.ts';
import { register as registerRestore } from './restore.ts';
import { register as registerDoctor } from './doctor.ts';
import { register as registerUser } from './user.ts';
import { register as registerAudit } from './audit.ts';
import { register as registerAuth } from './auth.ts';

/** A command module adds one subcommand (with its own --help) to the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Every `orion` subcommand, one module each under src/cli/. Add a line here when a
 * capability lands; the order is the order of `orion --help`.
 */
export const COMMANDS: RegisterCommand[] = [
  registerStart,
  registerMigrate,
  registerScan,
  registerBench,
  registerDevnet,
  registerQuote,
  registerSnapshot,
  registerRisk,
  registerReplay,
  registerBackup,
  registerRestore,
  registerDoctor,
  registerUser,
  registerAudit,
  registerAuth,
];
