import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { alive } from '../../test/process-alive.ts';

const ORION = fileURLToPath(new URL('../../bin/orion.js', import.meta.url));

/** Pids of the anvil processes whose parent is `parent`. */
function anvilChildren(parent: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(parent)], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => /\banvil\b/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('orion devnet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-cli-devnet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the RPC URL and addresses as JSON, serves the chain, exports, caches where `orion start` does, and stops cleanly on Ctrl-C', async () => {
    const exportPath = join(dir, 'export.json');
    // No --cache-dir: the cache goes where `orion start` keeps it, ORION_DATA_DIR/devnet-cache (README).
    const child = spawn(process.execPath, [ORION, 'devnet', '--json', '--export', exportPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ORION_DATA_DIR: join(dir, 'data') },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const summary = JSON.parse(line) as { rpcUrl: string; chainId: number; contracts: Record<string, string>; pools: Record<string, string> };
    expect(summary.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.chainId).toBe(31337);
    expect(Object.keys(summary.contracts)).toEqual(expect.arrayContaining(['weth', 'v2Factory', 'v2Router', 'v3Factory', 'positionManager', 'swapRouter', 'quoterV2']));
    const response = await fetch(summary.rpcUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getCode', params: [summary.contracts.v3Factory, 'latest'] }),
    });
    expect(((await response.json()) as { result: string }).result.length).toBeGreaterThan(1000);
    const anvils = anvilChildren(child.pid!);
    expect(anvils).toHaveLength(1);

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(alive(anvils[0]!)).toBe(false);
    expect(readdirSync(join(dir, 'data', 'devnet-cache')).length).toBeGreaterThan(0);
    const exported = (await readSnapshotFile(exportPath)).snapshot;
    expect(exported.chainId).toBe(31337);
    expect(exported.pools.map((p) => p.address).sort()).toEqual(Object.values(summary.pools).sort());
  });

  it('rejects bad arguments with exit code 2 and one line', async () => {
    for (const [args, message] of [
      [['--block-time', 'abc'], /--block-time must be a positive number, got "abc"/],
      [['--flow', '--flow-rate', '0'], /--flow-rate must be a positive integer, got "0"/],
      [['--snapshot', join(dir, 'missing.json')], /cannot read the snapshot file/],
    ] as const) {
      // Awaited, not spawnSync: three CLI starts under load would block this worker past vitest's 60 s RPC timeout.
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [ORION, 'devnet', ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'missing.json'))).toBe(false);
  });
});
