import { Command, CommanderError } from 'commander';
import { InputError, OrionError } from './errors.ts';
import { COMMANDS } from './cli/commands.ts';

/** Exit code of success. */
export const EXIT_OK = 0;
/** Exit code of a failure at run time (SPEC.md §4). */
export const EXIT_FAILURE = 1;
/** Exit code of bad input: arguments, files, configuration (SPEC.md §4). */
export const EXIT_BAD_INPUT = 2;

/**
 * Builds the `orion` program for the arguments `argv`: the command they name is loaded from its
 * module (src/cli/commands.ts) with its options and action; every other command is only its
 * name and summary, enough for `orion --help`, so a run imports one command's code, not all.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('orion')
    .description('Orion: atomic flash-loan arbitrage across Uniswap-style DEX pools')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  const wanted = commandNameIn(argv);
  for (const entry of COMMANDS) {
    if (entry.name !== wanted) {
      program.command(entry.name).description(entry.summary);
      continue;
    }
    const { register } = await entry.load();
    register(program);
    const command = program.commands.at(-1);
    if (command?.name() !== entry.name) throw new Error(`the module of \`orion ${entry.name}\` registered ${command === undefined ? 'nothing' : `\`${command.name()}\``}`);
    command.description(entry.summary);
  }
  program.commands.forEach(applyOverrides);
  return program;
}

/** The subcommand `argv` runs or asks help for (`orion NAME …`, `orion help NAME`), if any. */
function commandNameIn(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function applyOverrides(command: Command): void {
  command.exitOverride().configureOutput({ outputError: () => undefined });
  command.commands.forEach(applyOverrides);
}

/** Runs the CLI and returns the exit code; errors are one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  if (argv.length === 0) {
    // Bare `orion`: the help, on stdout, as a success (commander would end with "(outputHelp)").
    process.stdout.write(program.helpInformation());
    return EXIT_OK;
  }
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
    // A command group without its subcommand (`orion bench`): commander has printed the help.
    if (error.code === 'commander.help') return EXIT_BAD_INPUT;
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
