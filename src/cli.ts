import { Command, CommanderError } from 'commander';
import { InputError, OrionError } from './errors.ts';
import { COMMANDS } from './cli/commands.ts';

/** Exit code of success. */
export const EXIT_OK = 0;
/** Exit code of a failure at run time (SPEC.md §4). */
export const EXIT_FAILURE = 1;
/** Exit code of bad input: arguments, files, configuration (SPEC.md §4). */
export const EXIT_BAD_INPUT = 2;

/** Builds the `orion` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('orion')
    .description('Orion: atomic flash-loan arbitrage across Uniswap-style DEX pools')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  for (const register of COMMANDS) register(program);
  program.commands.forEach(applyOverrides);
  return program;
}

function applyOverrides(command: Command): void {
  command.exitOverride().configureOutput({ outputError: () => undefined });
  command.commands.forEach(applyOverrides);
}

/** Runs the CLI and returns the exit code; errors are one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error);
  }
}

/** Maps an error to one stderr line and an exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    if (error.exitCode === 0) return EXIT_OK;
    process.stderr.write(`orion: ${error.message.replace(/^error: /, '')}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof InputError) {
    process.stderr.write(`orion: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof OrionError) {
    process.stderr.write(`orion: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`orion: unexpected failure: ${message}\n`);
  return EXIT_FAILURE;
}
