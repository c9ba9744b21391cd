import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './cli.ts';
import { COMMANDS } from './cli/commands.ts';
import { DEFAULT_SCANNER_BENCH_SNAPSHOT } from './scanner/bench-snapshot.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'orion.js');

function orion(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the orion command', () => {
  const commands = COMMANDS.map((entry) => entry.name);

  it('lists every command in --help', () => {
    const { status, stdout } = orion('--help');
    expect(status).toBe(0);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const name of commands) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it.each(COMMANDS.map((entry) => entry.name))('`orion %s --help` describes the command', (name) => {
    const { status, stdout } = orion(name, '--help');
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: orion ${name}`);
  });

  it('bare `orion` prints the help on stdout and succeeds, without commander\'s "(outputHelp)"', () => {
    const { status, stdout, stderr } = orion();
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: orion /);
    for (const name of commands) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(stdout + stderr).not.toContain('outputHelp');
  });

  it('a command group without its subcommand (`orion bench`) prints its help and exits 2, without "(outputHelp)"', () => {
    const { status, stdout, stderr } = orion('bench');
    expect(status).toBe(2);
    expect(stderr).toMatch(/Usage: orion bench/);
    expect(stdout + stderr).not.toContain('outputHelp');
  });

  it('an unknown command or option: exit code 2 and one line on stderr', () => {
    for (const args of [['no-such-command'], ['quote', '--no-such-option']]) {
      const { status, stderr } = orion(...args);
      expect(status).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^orion: /);
    }
  });
});

describe('lazy command registration (src/cli/commands.ts)', () => {
  it.each(COMMANDS.map((entry) => [entry.name, entry] as const))('the module of `%s` registers exactly that command, with the summary of its line', async (name, entry) => {
    const { register } = await entry.load();
    const alone = new Command('orion');
    register(alone);
    expect(alone.commands.map((command) => command.name())).toEqual([name]);
    const program = await buildProgram([name]);
    expect(program.commands.map((command) => command.name())).toEqual(COMMANDS.map((other) => other.name));
    expect(program.commands.find((command) => command.name() === name)!.description()).toBe(entry.summary);
    // Every other command stays a name and a summary, nothing loaded.
    for (const other of program.commands.filter((command) => command.name() !== name)) {
      expect(other.options).toHaveLength(0);
      expect(other.commands).toHaveLength(0);
    }
  });
});

describe('orion bench scanner', () => {
  it('defaults to the snapshot of `npm run bench -- scanner`: the 10,773-pair Ethereum snapshot of ../shared', async () => {
    const program = await buildProgram(['bench', 'scanner']);
    const scanner = program.commands.find((command) => command.name() === 'bench')!.commands.find((command) => command.name() === 'scanner')!;
    const option = scanner.options.find((candidate) => candidate.long === '--snapshot')!;
    expect(option.mandatory).toBe(false);
    expect(option.defaultValue).toBe(DEFAULT_SCANNER_BENCH_SNAPSHOT);
    expect(DEFAULT_SCANNER_BENCH_SNAPSHOT).toBe(join(import.meta.dirname, '..', '..', 'shared', 'data', 'snapshots', 'ethereum-uniswap-v2-2020-10-03.json'));
    expect(readFileSync(new URL('../bench/scanner.ts', import.meta.url), 'utf8')).toMatch(/: DEFAULT_SCANNER_BENCH_SNAPSHOT\);/);
  });
});
