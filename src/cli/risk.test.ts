import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'orion-risk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const risk = (...args: string[]): ReturnType<typeof runCli> => runCli(['risk', ...args]);

describe('orion risk', () => {
  // The hand-worked series of metrics.test.ts in token units with decimals, ISO and Unix timestamps mixed.
  const file = csv('pnl.csv', [
    'timestamp,pnl',
    '2024-01-01T10:00:00Z,1.00',
    '1704103200,-0.5',
    '2024-01-02T00:00:00+00:00,0.30',
    '2024-01-03,-0.8',
    '1704326400,0.2',
    '',
  ].join('\n'));

  it('prints the issue\'s JSON keys, exact amounts as decimal strings in the file\'s unit', async () => {
    const { code, out, err } = await risk('--pnl', file, '--capital', '10', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    for (const key of ['trades', 'totalPnl', 'winRate', 'maxDrawdown', 'maxDrawdownPct', 'var95', 'var99', 'var95Parametric', 'es95', 'sharpe', 'sortino', 'calmar', 'profitFactor', 'expectancy', 'sqn']) {
      expect(json).toHaveProperty(key);
    }
    expect(json.trades).toBe(5);
    expect(json.totalPnl).toBe('0.2');
    expect(json.winRate).toBe(0.6);
    expect(json.maxDrawdown).toBe('1');
    expect(json.maxDrawdownPct).toBeCloseTo(10, 12);
    expect(json.var95).toBe('0.8');
    expect(json.es95).toBeCloseTo(0.8, 12);
    expect(json.expectancy).toBeCloseTo(0.04, 12);
    expect(json.sharpe).toBeCloseTo((0.05 / Math.sqrt(1.01 / 3)) * Math.sqrt(365), 9);
    expect(json.calmar).toBeCloseTo((0.05 * 365) / 0.8, 9);
  });

  it('--periods-per-year changes the annualisation; no --capital gives a null percentage with its reason', async () => {
    const json = JSON.parse((await risk('--pnl', file, '--periods-per-year', '252', '--json')).out) as Record<string, unknown>;
    expect(json.sharpe).toBeCloseTo((0.05 / Math.sqrt(1.01 / 3)) * Math.sqrt(252), 9);
    expect(json.maxDrawdownPct).toBeNull();
    expect((json.reasons as Record<string, string>).maxDrawdownPct).toBe('no capital given');
  });

  it('an empty file gives nulls, not NaN', async () => {
    const { code, out } = await risk('--pnl', csv('empty.csv', 'timestamp,pnl\n'), '--json');
    expect(code).toBe(0);
    expect(out).not.toMatch(/NaN|Infinity/);
    expect(JSON.parse(out)).toMatchObject({ trades: 0, totalPnl: '0', sharpe: null, var95: null });
  });

  it('a malformed row is an error naming its line, exit 2', async () => {
    const bad = csv('bad.csv', 'timestamp,pnl\n1704103200,1\n1704103201,abc\n');
    const { code, out, err } = await risk('--pnl', bad);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`orion: ${bad} line 3: pnl "abc" is not a decimal number\n`);
    const zone = await risk('--pnl', csv('zone.csv', '2024-01-01T10:00:00,1\n'));
    expect(zone.err).toMatch(/line 1: timestamp "2024-01-01T10:00:00" is neither/);
    expect((await risk('--pnl', csv('cols.csv', '1,2,3\n'))).err).toMatch(/line 1: expected 2 columns/);
    expect((await risk('--pnl', join(dir, 'missing.csv'))).code).toBe(2);
    expect((await risk('--pnl', file, '--capital', '-1')).err).toMatch(/--capital must be a positive decimal/);
  });

  it('prints a table for people', async () => {
    const { code, out } = await risk('--pnl', file);
    expect(code).toBe(0);
    expect(out).toMatch(/^sharpe\s+\S+/m);
    expect(out).toMatch(/annualised with √365; no risk-free rate/);
  });
});
