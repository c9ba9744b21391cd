import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './cli.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'orion.js');

function orion(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the orion command', () => {
  const commands = buildProgram().commands.map((command) => command.name());

  it('lists every command in --help', () => {
    const { status, stdout } = orion('--help');
    expect(status).toBe(0);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const name of commands) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it.each(buildProgram().commands.map((command) => command.name()))('`orion %s --help` describes the command', (name) => {
    const { status, stdout } = orion(name, '--help');
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: orion ${name}`);
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
