import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.ts';
import { parseSnapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');
const dir = mkdtempSync(join(tmpdir(), 'orion-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe.skipIf(!arbitrum)('orion snapshot synth', () => {
  it('writes a valid synthetic snapshot, the same bytes twice, and reports its counts', async () => {
    const files = [join(dir, 'a.json'), join(dir, 'b.json')];
    for (const out of files) {
      const result = await run(['snapshot', 'synth', '--kind', 'v3', '--pools', '300', '--seed', '9', '--from', arbitrum!, '--out', out, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as Record<string, number>;
      expect(report['pools']).toBe(300);
      expect(report['cycles']).toBeGreaterThan(120);
    }
    const text = readFileSync(files[0]!, 'utf8');
    expect(readFileSync(files[1]!, 'utf8')).toBe(text);
    expect(parseSnapshot(JSON.parse(text), 'synthetic').snapshot.pools).toHaveLength(300);
  });

  it('refuses bad input with one line and exit code 2', async () => {
    for (const [args, message] of [
      [['--kind', 'v4', '--pools', '10', '--seed', '1'], /--kind must be v2 or v3/],
      [['--kind', 'v2', '--pools', 'many', '--seed', '1'], /--pools must be an integer/],
      [['--kind', 'v2', '--pools', '10', '--seed', '-3'], /--seed must be an integer/],
    ] as const) {
      const result = await run(['snapshot', 'synth', ...args, '--from', arbitrum!, '--out', join(dir, 'bad.json')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('leaves `orion snapshot` asking for --rpc', async () => {
    const result = await run(['snapshot', '--out', join(dir, 'x.json'), '--pools', join(dir, 'none.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--rpc/);
  });
});
