import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from './devnet/devnet.ts';
import { startEngine, type Engine, type EngineStatus } from './engine.ts';
import { openStore, migrate, type Store } from './store/index.ts';

/** Polls `read` until it returns a value (no fixed sleep), failing after `timeoutMs`. */
async function until<T>(what: string, read: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every recent sample is one block's figures: no stage negative, the total their sum (µs rounding aside). */
function expectConsistent(latency: EngineStatus['latency']): void {
  expect(latency.samples).toBeGreaterThanOrEqual(3);
  expect(latency.bySource.ws + latency.bySource.poll).toBe(latency.samples);
  expect(latency.recent.length).toBeGreaterThanOrEqual(3);
  for (const sample of latency.recent) {
    for (const stage of [sample.fetchUs, sample.applyUs, sample.rankUs]) expect(stage).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sample.totalUs - (sample.fetchUs + sample.applyUs + sample.rankUs)), JSON.stringify(sample)).toBeLessThanOrEqual(2);
  }
  // Newest first, one sample per block.
  const blocks = latency.recent.map((s) => BigInt(s.block));
  blocks.slice(1).forEach((block, i) => expect(block).toBeLessThan(blocks[i]!));
  const { headToDecisionUs, stagesUs } = latency;
  expect(headToDecisionUs).not.toBeNull();
  expect(stagesUs).not.toBeNull();
  for (const p of [headToDecisionUs!, stagesUs!.fetch, stagesUs!.apply, stagesUs!.rank]) {
    expect(p.p50).toBeGreaterThanOrEqual(0);
    expect(p.p99).toBeGreaterThanOrEqual(p.p50);
  }
}

describe('engine latency (head heard of → onOpportunities), in the status /health shows', () => {
  let devnet: Devnet;
  const stores: Store[] = [];
  const engines: Engine[] = [];
  const dirs: string[] = [];

  const start = async (rpcUrls: string[]): Promise<Engine> => {
    const dir = mkdtempSync(join(tmpdir(), 'orion-engine-timing-'));
    dirs.push(dir);
    const store = await openStore({ dataDir: dir });
    stores.push(store);
    await migrate(store);
    const engine = await startEngine({
      store, rpcUrls, expectedChainId: 31337, pools: devnet.seeded.localSnapshot.pools,
      baseTokens: ['WETH', 'USDC', 'USDT'], maxHops: 3, maxStaleBlocks: 5, gasBid: { priorityFee: 1_000_000_000n },
    });
    engines.push(engine);
    return engine;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, flow: { seed: 3, swapsPerBlock: 3 } });
  });
  afterAll(async () => {
    for (const engine of engines) await engine.stop();
    for (const store of stores) await store.close();
    await devnet?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('times every new block by stage, over WebSocket heads', async () => {
    const engine = await start([devnet.anvil.rpcUrl, devnet.anvil.wsUrl]);
    // The start's own ranking is no new block: nothing is recorded for it.
    expect(engine.status().latency.samples).toBe(0);
    expect(engine.status().latency.headToDecisionUs).toBeNull();
    const status = await until('3 timed blocks', () => {
      const read = engine.status();
      return read.latency.samples >= 3 ? read : undefined;
    });
    const { latency } = status;
    expectConsistent(latency);
    expect(latency.headMode).toBe('websocket');
    // A newHeads notice names each block (a 1 s watchdog poll could beat one to a block, not all).
    expect(latency.bySource.ws).toBeGreaterThan(0);
    expect(latency.note).toBeNull();
    // Every block scanned since the start's own ranking is a sample (one status read: same moment).
    expect(latency.samples).toBe(status.blocksScanned - 1);
  });

  it('without a WebSocket endpoint, says the heads come from polling, and times what each poll finds', async () => {
    const engine = await start([devnet.anvil.rpcUrl]);
    const latency = await until('3 timed blocks', () => {
      const status = engine.status().latency;
      return status.samples >= 3 ? status : undefined;
    });
    expectConsistent(latency);
    expect(latency.headMode).toBe('polling');
    expect(latency.bySource).toEqual({ ws: 0, poll: latency.samples });
    expect(latency.note).toContain(`polling every ${latency.pollIntervalMs} ms`);
  });
});
