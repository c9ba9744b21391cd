import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.ts';
import { snapshotToJson } from '../../src/market/snapshot.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'orion.js');

/** Runs `orion start` until `until` matches its output (or it exits); returns output and exit code. */
function runOrion(env: Record<string, string>, until: RegExp, timeoutMs: number): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let signalled = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Once: a second SIGTERM during shutdown would (rightly) kill the process outright.
      if (!signalled && until.test(output)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
  });
}

describe('orion start with ORION_RPC_URLS: follows a chain it did not start', () => {
  let devnet: Devnet;
  const dir = mkdtempSync(join(tmpdir(), 'orion-external-'));
  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1 });
  });
  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the pools of ORION_SNAPSHOT from those endpoints and builds the cycle index, without a local chain', async () => {
    const poolsFile = join(dir, 'pools.json');
    writeFileSync(poolsFile, JSON.stringify(snapshotToJson(devnet.seeded.localSnapshot)));
    const { output, code } = await runOrion(
      { ORION_DATA_DIR: join(dir, 'data'), ORION_RPC_URLS: `${devnet.anvil.rpcUrl},${devnet.anvil.wsUrl}`, ORION_SNAPSHOT: poolsFile },
      /ready: http/,
      90_000,
    );
    expect(output).toContain(`chain: following ${devnet.anvil.rpcUrl}`);
    // The liquidity floor (default 1 WETH per side) leaves out the thin pools of the default market, and the engine follows the rest.
    const all = devnet.seeded.localSnapshot.pools.length;
    const excluded = Number(output.match(new RegExp(`engine: (\\d+) of ${all} pools below the liquidity floor of 1 WETH per side`))?.[1]);
    expect(excluded).toBeGreaterThan(0);
    expect(output).toMatch(new RegExp(`engine \\(sim\\): following ${all - excluded} pools, \\d+ cycles`));
    expect(output).not.toContain('starting the local chain');
    expect(code).toBe(0);
  });

  it('refuses endpoints that serve another chain than the snapshot', async () => {
    const poolsFile = join(dir, 'other-chain.json');
    writeFileSync(poolsFile, JSON.stringify({ ...snapshotToJson(devnet.seeded.localSnapshot), chainId: 8453 }));
    const { output, code } = await runOrion(
      { ORION_DATA_DIR: join(dir, 'data2'), ORION_RPC_URLS: devnet.anvil.rpcUrl, ORION_SNAPSHOT: poolsFile },
      /$^/,
      90_000,
    );
    expect(output).toContain('the RPC endpoints serve chain 31337 but the pools to follow are of chain 8453');
    expect(code).toBe(2);
  });
});
