import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS } from './catalog.ts';

/**
 * The alert rules and the Grafana dashboard against the metrics catalog: every expression names
 * only metrics Orion exports (a histogram's _bucket/_sum/_count series included), and Prometheus'
 * own promtool accepts the rules, passes their unit tests, and parses every panel's expression.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALERTS = join(ROOT, 'ops/prometheus/alerts.yml');
const DASHBOARD = join(ROOT, 'ops/grafana/orion.json');
const folder = mkdtempSync(join(tmpdir(), 'orion-promtool-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const exported = new Set<string>(
  Object.values(METRICS).flatMap((m) => (m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])),
);

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(orion_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: apt-get install -y prometheus (.ci/run does it)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

// Every `expr:` of the rules file is one line (kept so on purpose, for this check and for grep).
const ruleExprs = [...readFileSync(ALERTS, 'utf8').matchAll(/^\s*expr: (.+)$/gm)].map((m) => m[1]!);
const alertNames = [...readFileSync(ALERTS, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}
const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels.filter((p) => p.type !== 'row');

describe('alert rules (ops/prometheus/alerts.yml)', () => {
  it('promtool accepts the rules and their unit tests pass', () => {
    expect(promtool(['check', 'rules', ALERTS])).toMatch(new RegExp(`SUCCESS: ${alertNames.length} rules found`));
    expect(promtool(['test', 'rules', join(ROOT, 'ops/prometheus/alerts.test.yml')])).toMatch(/SUCCESS/);
  });

  it('every expression names only exported metrics, at least one each', () => {
    expect(ruleExprs).toHaveLength(alertNames.length);
    for (const expr of ruleExprs) {
      expect(metricNames(expr).length, expr).toBeGreaterThan(0);
      for (const name of metricNames(expr)) expect(exported, `${name} in ${expr}`).toContain(name);
    }
  });

  it('covers what the operations issue asks to alert on', () => {
    expect(alertNames).toEqual(
      expect.arrayContaining([
        'OrionEngineDown', 'OrionBlockLag', 'OrionStageResyncs', 'OrionRevertRateHigh', 'OrionInclusionFailures', 'OrionDailyLossNearLimit',
        'OrionBreakerTripped', 'OrionKillSwitchEngaged', 'OrionHotKeyGasLow', 'OrionBackupTooOld', 'OrionApi5xxRate', 'OrionLoginFailures',
      ]),
    );
  });
});

describe('Grafana dashboard (ops/grafana/orion.json)', () => {
  it('every panel has expressions naming only exported metrics', () => {
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        expect(metricNames(expr).length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of metricNames(expr)) expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });

  it('every panel expression is valid PromQL (promtool parses it as a recording rule)', () => {
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const rules = `groups:\n  - name: dashboard\n    rules:\n${exprs.map((e, i) => `      - record: orion:dashboard:${i}\n        expr: ${JSON.stringify(e)}\n`).join('')}`;
    const file = join(folder, 'dashboard-rules.yml');
    writeFileSync(file, rules);
    expect(promtool(['check', 'rules', file])).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  it('the panels answer the questions the issue lists', () => {
    const titles = panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of ['funnel', 'profit', 'gas', 'stage latency', 'block lag', 'api latency']) expect(titles).toContain(topic);
  });
});
