import { engineProtections, PERMISSIVE_LIMITS } from '../risk-controls/testing/engine-protections.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { DEFAULT_PLAN_SETTINGS } from '../orchestrator/plan.ts';
import { openStore, migrate, type Store } from '../store/index.ts';
import { STAGES } from './block-latency.ts';
import { startEngine, type Engine, type EngineStatus } from './engine.ts';

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

/** Every recent sample is one block's figures: no stage negative, the totals the sums of their stages (µs rounding aside). */
function expectConsistent(latency: EngineStatus['latency']): void {
  expect(latency.samples).toBeGreaterThanOrEqual(3);
  expect(latency.bySource.ws + latency.bySource.poll).toBe(latency.samples);
  expect(latency.recent.length).toBeGreaterThanOrEqual(3);
  for (const sample of latency.recent) {
    const { fetch, apply, rank, decide, simulate, record } = sample.stagesUs;
    for (const stage of [fetch, apply, rank, decide, record]) expect(stage).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sample.toDecisionUs - (fetch! + apply! + rank! + decide!)), JSON.stringify(sample)).toBeLessThanOrEqual(3);
    // A block with plans was simulated: its head-to-simulation time is the decision's plus the simulation's.
    if (simulate === null) expect(sample.toSimulationUs).toBeNull();
    else expect(Math.abs(sample.toSimulationUs! - (sample.toDecisionUs + simulate)), JSON.stringify(sample)).toBeLessThanOrEqual(3);
  }
  // One sample per block (in the order blocks finished: a block whose plans are still simulating
  // finishes after a later block without plans).
  const blocks = latency.recent.map((s) => s.block);
  expect(new Set(blocks).size).toBe(blocks.length);
  const { headToDecisionUs, stagesUs } = latency;
  expect(headToDecisionUs).not.toBeNull();
  expect(stagesUs).not.toBeNull();
  for (const stage of STAGES) {
    const p = stagesUs![stage];
    if (p === null) continue;
    expect(p.p50).toBeGreaterThanOrEqual(0);
    expect(p.p99).toBeGreaterThanOrEqual(p.p50);
  }
  expect(stagesUs!.fetch!.n).toBe(latency.samples);
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
      store, mode: 'sim', rpcUrls, expectedChainId: 31337, pools: devnet.seeded.localSnapshot.pools,
      baseTokens: ['WETH', 'USDC', 'USDT'], maxHops: 3, maxStaleBlocks: 5, gasBid: { priorityFee: 1_000_000_000n },
      execution: { executor: devnet.executor!.address, hotKey: devnet.executor!.hotKey }, plan: DEFAULT_PLAN_SETTINGS, blockTimeSeconds: 1,
      protections: engineProtections(store, 31337, { dataDir: dir, limits: PERMISSIVE_LIMITS }).open,
    });
    engines.push(engine);
    return engine;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, executor: true, flow: { seed: 3, swapsPerBlock: 3 } });
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
    expect(latency.note).toBeNull();
    // Each block scanned since the start's own ranking becomes one sample once its plans are
    // simulated (one status read: the same moment; the newest may still be simulating).
    expect(latency.samples).toBeLessThanOrEqual(status.blocksScanned - 1);
    await engine.settle();
    const settled = engine.status();
    expect(settled.latency.samples).toBeGreaterThanOrEqual(latency.samples);
    expect(settled.executor.busy).toBe(false);
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
