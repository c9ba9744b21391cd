import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAnvil } from '../src/devnet/anvil.ts';
import { createDevnetClients } from '../src/devnet/clients.ts';
import { deployUniswap } from '../src/devnet/deploy-uniswap.ts';
import { DEFAULT_SNAPSHOT_PATH, startDevnet } from '../src/devnet/devnet.ts';
import { seedFromSnapshot } from '../src/devnet/seed.ts';
import { readSnapshotFile, type Snapshot } from '../src/market/snapshot.ts';

// `npm run bench -- devnet [--snapshot FILE ...] [--warm N]`: issue 2's local-chain figures.
// For each snapshot (default: the bundled Base snapshot and ../shared's arbitrum one) one JSON
// line with the cold path split into anvil start, Uniswap deployment and seeding (which
// includes reading every pool back and verifying it), the cold startDevnet total including the
// cache write, and warm starts from the cached state (median and max of --warm runs).
const { values } = parseArgs({
  options: {
    snapshot: { type: 'string', multiple: true },
    warm: { type: 'string', default: '3' },
  },
});
const arbitrum = new URL('../../shared/data/snapshots/arbitrum-uniswap-2024-11-01.json', import.meta.url).pathname;
const paths = values.snapshot ?? [DEFAULT_SNAPSHOT_PATH, ...(existsSync(arbitrum) ? [arbitrum] : [])];
const warmRuns = Number(values.warm);

const ms = (start: number): number => Math.round(performance.now() - start);
// CPU time of a process in ms (utime + stime from /proc, 10 ms ticks): on a shared 2-core
// machine the wall time depends on the neighbours' load, the CPU time does not.
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

interface ColdPhases {
  anvilStartMs: number;
  deployMs: number;
  seedAndVerifyMs: number;
  seedCpuMs: { anvil: number; node: number };
}

async function coldPhases(snapshot: Snapshot): Promise<ColdPhases> {
  let t = performance.now();
  const anvil = await startAnvil();
  const anvilStartMs = ms(t);
  try {
    const clients = createDevnetClients(anvil.rpcUrl);
    t = performance.now();
    const deployment = await deployUniswap(clients);
    const deployMs = ms(t);
    t = performance.now();
    const anvilCpu = cpuMs(anvil.pid);
    const nodeCpu = process.cpuUsage();
    await seedFromSnapshot(clients, deployment, snapshot);
    const seedAndVerifyMs = ms(t);
    const node = process.cpuUsage(nodeCpu);
    return { anvilStartMs, deployMs, seedAndVerifyMs, seedCpuMs: { anvil: cpuMs(anvil.pid) - anvilCpu, node: Math.round((node.user + node.system) / 1000) } };
  } finally {
    await anvil.stop();
  }
}

for (const path of paths) {
  const { snapshot } = await readSnapshotFile(path);
  const v3 = snapshot.pools.filter((p) => p.protocol === 'uniswap-v3');
  const cacheDir = mkdtempSync(join(tmpdir(), 'orion-bench-devnet-'));
  try {
    const phases = await coldPhases(snapshot);
    let t = performance.now();
    const cold = await startDevnet({ snapshot, cacheDir });
    const coldWithCacheWriteMs = ms(t);
    await cold.stop();
    const warm: number[] = [];
    for (let i = 0; i < warmRuns; i++) {
      t = performance.now();
      const devnet = await startDevnet({ snapshot, cacheDir });
      warm.push(ms(t));
      if (!devnet.fromCache) throw new Error(`warm start ${i} of ${path} did not come from the cache`);
      await devnet.stop();
    }
    warm.sort((a, b) => a - b);
    process.stdout.write(`${JSON.stringify({
      bench: 'devnet',
      snapshot: path.split('/').pop(),
      pools: snapshot.pools.length,
      v2Pools: snapshot.pools.length - v3.length,
      v3Pools: v3.length,
      initializedTicks: v3.reduce((n, p) => n + p.ticks.length, 0),
      tokens: new Set(snapshot.pools.flatMap((p) => [p.token0.address, p.token1.address])).size,
      cold: { ...phases, totalMs: phases.anvilStartMs + phases.deployMs + phases.seedAndVerifyMs },
      loadAverage1m: loadavg()[0],
      coldStartDevnetWithCacheWriteMs: coldWithCacheWriteMs,
      warmStartMs: { median: warm[Math.floor(warm.length / 2)], max: warm.at(-1), runs: warm.length },
    })}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
