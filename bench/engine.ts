import { engineProtections } from '../src/risk-controls/testing/engine-protections.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Address } from 'viem';
import { nativeSigningAccountOf } from '../src/executor/live/native-signing.ts';
import { startDevnet, type Devnet } from '../src/devnet/devnet.ts';
import { startNoiseFlow } from '../src/devnet/flow.ts';
import { anvilRequest } from '../src/devnet/transactions.ts';
import { startEngine, type Engine } from '../src/engine/engine.ts';
import { DEFAULT_PLAN_SETTINGS } from '../src/orchestrator/plan.ts';
import { migrate, openStore, type Store } from '../src/store/index.ts';

// `npm run bench -- engine [--blocks 200] [--swaps 4] [--seed 1] [--poll] [--timeout-s 600] [--database-url postgres://…] [--live]`:
// (--live: the engine in live mode: the best plan of a block is signed, committed and sent, and
// `headToBroadcastUs` is head heard of → signed transaction broadcast.)
// SPEC §5's "block to decision": new head → block and logs fetched → market state applied →
// scanner refreshed and ranked → decided → plans simulated on our contract → recorded (the
// ledger writes in the background, to PGlite, or to PostgreSQL with --database-url: a fresh
// schema of that database, dropped after). The local
// chain from the default snapshot with automine off; each block is one round of the noise flow,
// mined on demand (evm_mine once the round's swaps are in the pool), and the next round starts
// only after the engine decided on the block, so each figure is one block's own latency (a
// checkpoint write the follower makes after a decision still delays the next block, as it would
// live). The engine follows the chain over WebSocket newHeads (--poll: HTTP polling only).
// Prints one JSON line: the engine's own figures (what /health shows), microseconds.
const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '200' },
    swaps: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    poll: { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '600' },
    'database-url': { type: 'string' },
    live: { type: 'boolean', default: false },
  },
});
const BLOCKS = Number(values.blocks);
const SWAPS = Number(values.swaps);
const TIMEOUT_MS = Number(values['timeout-s']) * 1000;
for (const [name, value] of [['--blocks', BLOCKS], ['--swaps', SWAPS], ['--timeout-s', TIMEOUT_MS]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${String(value)}`);
}
/** The flow's trader (its default account index): its pending nonce says whether swaps wait to be mined. */
const FLOW_TRADER_INDEX = 9;
const deadline = Date.now() + TIMEOUT_MS;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `check`, failing with `what` once the benchmark's deadline has passed. */
async function until(what: string, check: () => boolean): Promise<void> {
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench engine: gave up after ${TIMEOUT_MS / 1000} s waiting for ${what} (--timeout-s)`);
    await sleep(10);
  }
}

let devnet: Devnet | undefined;
let store: Store | undefined;
let engine: Engine | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-engine-'));
try {
  devnet = await startDevnet({ executor: true });
  const { clients } = devnet;
  // The flow's rounds are driven by hand (flow.step), never by its own timer.
  const flow = await startNoiseFlow(clients, devnet.deployment, devnet.seeded, { seed: Number(values.seed), swapsPerBlock: SWAPS, traderIndex: FLOW_TRADER_INDEX });
  await anvilRequest(clients, 'evm_setAutomine', [false]);
  const schema = `bench_engine_${process.pid}`;
  store = values['database-url'] === undefined ? await openStore({ dataDir }) : await openStore({ databaseUrl: values['database-url'], schema });
  await migrate(store);

  // Resolved from onOpportunities itself, so waiting adds no polling to the engine's event loop.
  let decided = -1n;
  let awaited: { block: bigint; resolve: () => void } | undefined;
  const decision = (block: bigint): Promise<void> => {
    if (decided >= block) return Promise.resolve();
    const wait = new Promise<void>((resolve) => (awaited = { block, resolve }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bench engine: gave up after ${TIMEOUT_MS / 1000} s waiting for the engine to decide on block ${block} (--timeout-s)`)), Math.max(0, deadline - Date.now()));
    });
    return Promise.race([wait, giveUp]).finally(() => clearTimeout(timer));
  };
  const started = engine = await startEngine({
    store,
    rpcUrls: values.poll ? [devnet.anvil.rpcUrl] : [devnet.anvil.rpcUrl, devnet.anvil.wsUrl],
    expectedChainId: devnet.seeded.localSnapshot.chainId,
    pools: devnet.seeded.localSnapshot.pools,
    baseTokens: ['WETH', 'USDC', 'USDT'],
    maxHops: 3,
    maxStaleBlocks: 2,
    gasBid: { priorityFee: 1_000_000_000n },
    mode: values.live ? 'live' : 'sim',
    // --live: the devnet's hot key (account 3, allowed by its FlashArbExecutor) signs and sends.
    ...(values.live ? { live: { account: nativeSigningAccountOf(clients.accounts[3]!), tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 1 } } : {}),
    execution: { executor: devnet.executor!.address, hotKey: devnet.executor!.hotKey },
    plan: DEFAULT_PLAN_SETTINGS,
    blockTimeSeconds: 12,
    protections: engineProtections(store, devnet.seeded.localSnapshot.chainId).open,
    onOpportunities: (block) => {
      decided = block;
      if (awaited !== undefined && block >= awaited.block) {
        awaited.resolve();
        awaited = undefined;
      }
    },
  });
  const mode = values.poll ? 'polling' : 'websocket';
  await until(`the engine's head mode to be ${mode}`, () => started.status().market.monitor.mode === mode);

  const trader = clients.accounts[FLOW_TRADER_INDEX]!.address as Address;
  const nonce = (blockTag: 'latest' | 'pending'): Promise<number> => clients.publicClient.getTransactionCount({ address: trader, blockTag });
  let mined = 0;
  while (mined < BLOCKS) {
    let settled = false;
    const round = flow.step().finally(() => {
      settled = true;
    });
    // Mine once the round's swaps stopped arriving (the pending nonce held still for one poll);
    // a round split over two blocks is harmless: every block mined carries swaps.
    let seen = -1;
    while (!settled) {
      const [pending, latest] = await Promise.all([nonce('pending'), nonce('latest')]);
      if (pending > latest && pending === seen) {
        const head = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
        await anvilRequest(clients, 'evm_mine');
        mined += 1;
        await decision(head + 1n);
        // The block's plans simulated and handed to the ledger before the next round starts.
        await started.settle();
        seen = -1;
      } else {
        seen = pending;
        await sleep(3);
      }
      if (Date.now() > deadline) throw new Error(`bench engine: gave up after ${TIMEOUT_MS / 1000} s with ${mined} of ${BLOCKS} blocks mined (--timeout-s)`);
    }
    await round;
  }

  const status = started.status();
  const { latency } = status;
  if (latency.headToDecisionUs === null || latency.stagesUs === null) throw new Error('bench engine: the engine recorded no latency sample');
  const stages = Object.fromEntries(Object.entries(latency.stagesUs).flatMap(([stage, p]) => (p === null ? [] : [[`${stage}P50Us`, p.p50], [`${stage}P99Us`, p.p99]])));
  process.stdout.write(`${JSON.stringify({
    bench: 'engine',
    ledger: store.backend,
    blocks: latency.samples,
    headToDecisionP50Us: latency.headToDecisionUs.p50,
    headToDecisionP99Us: latency.headToDecisionUs.p99,
    headToSimulationP50Us: latency.headToSimulationUs?.p50 ?? null,
    headToSimulationP99Us: latency.headToSimulationUs?.p99 ?? null,
    blocksWithPlans: latency.headToSimulationUs?.n ?? 0,
    ...(values.live ? { mode: 'live', headToBroadcastUs: status.executor.live?.headToBroadcastUs ?? null, live: { ...status.executor.live, headToBroadcastUs: undefined } } : {}),
    ...stages,
    // Asking every protection rule, per plan (before simulation) and per simulated plan (before sending).
    protectionsP50Us: status.protectionsUs?.p50 ?? null,
    protectionsP99Us: status.protectionsUs?.p99 ?? null,
    protectionsAsks: status.protectionsUs?.n ?? 0,
    funnel: { detected: status.ledger.writtenRows > 0 ? started.funnel().detected : 0, planned: started.funnel().planned, simulated: started.funnel().simulated },
    ledgerWritten: status.ledger.writtenRows,
    headSource: latency.bySource.poll === 0 ? 'ws' : latency.bySource.ws === 0 ? 'poll' : 'mixed',
    bySource: latency.bySource,
    // The whole bench process (engine, store, flow and devnet tooling; anvil is its own process).
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    swaps: flow.stats.swaps,
    failedRounds: flow.stats.failedRounds,
    pools: status.scanner.pools,
    cycles: status.scanner.cycles,
    load1: Number(loadavg()[0]?.toFixed(1)),
  })}\n`);
} finally {
  await engine?.stop();
  if (store?.backend === 'postgres') await store.exec(`drop schema if exists bench_engine_${process.pid} cascade`).catch(() => undefined);
  await store?.close();
  await devnet?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
