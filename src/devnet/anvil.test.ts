import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anvilBinaryPath, startAnvil, type Anvil } from './anvil.ts';
import { RuntimeFault } from '../errors.ts';
import { alive } from '../../test/process-alive.ts';

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('startAnvil', () => {
  const started: Anvil[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'orion-anvil-'));
  afterAll(async () => {
    await Promise.all(started.map((a) => a.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves chain 31337 on loopback with automine, and stop() leaves no process and a free port', async () => {
    const anvil = await startAnvil();
    started.push(anvil);
    expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
    expect(await rpc(anvil.rpcUrl, 'eth_chainId')).toBe('0x7a69');
    expect(await rpc(anvil.rpcUrl, 'anvil_getAutomine')).toBe(true);
    expect(alive(anvil.pid)).toBe(true);
    await anvil.stop();
    expect(alive(anvil.pid)).toBe(false);
    expect(await portFree(anvil.port)).toBe(true);
    await anvil.stop(); // idempotent
  });

  it('mines on an interval when given a block time', async () => {
    const anvil = await startAnvil({ blockTime: 1 });
    started.push(anvil);
    expect(await rpc(anvil.rpcUrl, 'anvil_getAutomine')).toBe(false);
    const first = Number(await rpc(anvil.rpcUrl, 'eth_blockNumber'));
    // Nobody sends a transaction, so only the interval can mine; poll (a loaded machine may lag
    // a second behind the clock) rather than sleep a fixed 2 s and race the second block.
    const deadline = Date.now() + 10_000;
    let latest = first;
    while (latest < first + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      latest = Number(await rpc(anvil.rpcUrl, 'eth_blockNumber'));
    }
    expect(latest).toBeGreaterThanOrEqual(first + 2);
    await anvil.stop();
  });

  it('dumps state on stop and loads it back', async () => {
    const statePath = join(tmp, 'state.json');
    const first = await startAnvil({ dumpStatePath: statePath });
    started.push(first);
    const target = '0x000000000000000000000000000000000000beef';
    await rpc(first.rpcUrl, 'anvil_setBalance', [target, '0x1234']);
    await rpc(first.rpcUrl, 'evm_mine');
    await first.stop();
    expect(existsSync(statePath)).toBe(true);
    const second = await startAnvil({ loadStatePath: statePath });
    started.push(second);
    expect(await rpc(second.rpcUrl, 'eth_getBalance', [target, 'latest'])).toBe('0x1234');
    await second.stop();
  });

  it('kills anvil when the owning process exits without calling stop()', () => {
    // A child node process starts anvil, prints its pid and port, and exits at once.
    const script = `
      const { startAnvil } = await import(${JSON.stringify(new URL('./anvil.ts', import.meta.url).pathname)});
      const a = await startAnvil();
      console.log(JSON.stringify({ pid: a.pid, port: a.port }));
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const { pid } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    // SIGKILL is delivered synchronously at exit; give the kernel a moment to reap it.
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    expect(alive(pid)).toBe(false);
  });

  it('kills anvil on SIGTERM of the owner', async () => {
    const script = `
      const { startAnvil } = await import(${JSON.stringify(new URL('./anvil.ts', import.meta.url).pathname)});
      const a = await startAnvil();
      console.log(JSON.stringify({ pid: a.pid }));
      setInterval(() => {}, 1000);`;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    const { pid } = JSON.parse(line) as { pid: number };
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    const [, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    expect(signal).toBe('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });
});

describe('anvilBinaryPath', () => {
  it('finds the binary shipped in the npm package', () => {
    expect(anvilBinaryPath()).toMatch(/@foundry-rs\/anvil-linux-amd64\/bin\/anvil$/);
  });

  it('names the missing package in one line when the binary is absent', () => {
    expect(() => anvilBinaryPath('@foundry-rs/anvil-missing-platform')).toThrow(RuntimeFault);
    expect(() => anvilBinaryPath('@foundry-rs/anvil-missing-platform')).toThrow(
      /^anvil binary not found: package @foundry-rs\/anvil-missing-platform is not installed \(run npm install on linux x64\)$/,
    );
  });
});
