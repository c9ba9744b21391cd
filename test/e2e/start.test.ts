import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signInFirstAdmin } from './first-admin.ts';
import { startOrion, waitFor } from './orion-process.ts';

/** Pids of anvil processes serving `port` (other tests may run anvils of their own meanwhile). */
function anvilPidsOnPort(port: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `anvil.* --port ${port}( |$)`]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const dataDirs: string[] = [];
afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('npm start (orion start)', () => {
  it('serves /healthz at once and /readyz once the chain is seeded, then stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-start-'));
    dataDirs.push(dataDir);
    const started = startOrion({ PORT: '0', ORION_DATA_DIR: dataDir });
    try {
      const url = await waitFor('the URL', async () => started.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1], 30_000, started);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The bar: ready within 60 s of a cold start (fresh data folder, no cached chain).
      await waitFor('/readyz 200', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000, started);
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { status: string; checks: { name: string; state: string }[] };
      expect(ready.status).toBe('ready');
      expect(ready.checks.map((c) => c.name).sort()).toEqual(['chain', 'database', 'engine']);
      expect(started.output()).toMatch(/ready: http:\/\/127\.0\.0\.1:\d+/);

      // First run: an admin with a random password, said once and kept in a 0600 file.
      expect(started.output()).toMatch(/first run: created user "admin" with password \S+/);
      const token = await signInFirstAdmin(url, dataDir);
      // Anonymous callers get the summary only: no addresses, URLs or engine figures.
      const summary = await (await fetch(`${url}/health`)).text();
      expect(summary).not.toMatch(/http:|0x[0-9a-f]{40}|blocksScanned/);

      // The engine follows the chain: blocks mined by the noise flow reach the scanner.
      type Health = { engine: { scanner: { pools: number; cycles: number }; blocksScanned: number; market: { freshness: { fresh: boolean } } } };
      const health = await waitFor('the engine to scan new blocks', async () => {
        const body = (await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as Health;
        return body.engine.blocksScanned >= 3 ? body : undefined;
      }, 30_000, started);
      expect(health.engine.scanner.pools).toBeGreaterThan(20);
      expect(health.engine.scanner.cycles).toBeGreaterThan(0);
      expect(health.engine.market.freshness.fresh).toBe(true);
      // The engine's figures reach /metrics, and the desk routes read its ledger.
      const auth = { headers: { authorization: `Bearer ${token}` } };
      const metrics = await (await fetch(`${url}/metrics`, auth)).text();
      expect(metrics).toMatch(/^orion_engine_up\{mode="sim"\} 1$/m);
      expect(Number(/^orion_stage_latency_seconds_count\{stage="decide"\} (\d+)$/m.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(metrics).toMatch(/^orion_block_lag_blocks \d+$/m);
      for (const route of ['opportunities', 'simulations', 'funnel', 'pnl', 'pools?limit=5', 'limits', 'controls/kill-switch', 'risk']) {
        expect((await fetch(`${url}/api/v1/${route}`, auth)).status, route).toBe(200);
      }
      const pools = (await (await fetch(`${url}/api/v1/pools?limit=5&status=loaded`, auth)).json()) as { rows: Array<{ pair: string }> };
      expect(pools.rows.length).toBeGreaterThan(0);
      const chainPort = started.output().match(/chain: http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      expect(chainPort).toBeDefined();
      expect(anvilPidsOnPort(chainPort!).length).toBe(1);

      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.output()).toMatch(/stopped/);
      expect(anvilPidsOnPort(chainPort!)).toEqual([]);
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  it('refuses a port in use with one clear line and a non-zero exit', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-start-'));
    dataDirs.push(dataDir);
    const started = startOrion({ PORT: String(port), ORION_DATA_DIR: dataDir });
    try {
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(`orion: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
      started.child.kill('SIGKILL');
    }
  });

  it('refuses an unwritable data folder and a bad config value', async () => {
    const notWritable = startOrion({ PORT: '0', ORION_DATA_DIR: '/proc/orion-cannot-write-here/data' });
    expect(await notWritable.exited).toBe(1);
    expect(notWritable.output()).toMatch(/orion: data folder \/proc\/orion-cannot-write-here\/data is not writable/);

    const badValue = startOrion({ PORT: 'eighty' });
    expect(await badValue.exited).toBe(2);
    expect(badValue.output()).toMatch(/PORT/);
    expect(badValue.output()).toMatch(/eighty/);
  });

  it('ORION_MODE=live without ORION_ALLOW_LIVE refuses to start before anything runs (exit 2, one line)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-start-'));
    dataDirs.push(dataDir);
    const live = startOrion({ PORT: '0', ORION_DATA_DIR: dataDir, ORION_MODE: 'live' });
    expect(await live.exited).toBe(2);
    expect(live.output()).toContain('orion: ORION_MODE=live but ORION_ALLOW_LIVE is off: refusing to start');
    expect(live.output()).not.toMatch(/listening on/);
  });
});
