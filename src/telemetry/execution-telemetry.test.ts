import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEventLog, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus, createRedisBus, type BusMessage, type EventBus } from '../bus/index.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import { nativeSigningAccountOf } from '../executor/live/native-signing.ts';
import { devnetEngineOptions } from '../executor/live/testing/devnet-engine-options.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { snapshotTokens } from '../market/snapshot.ts';
import { createMetrics } from '../metrics/registry.ts';
import { createNotifier } from '../notify/notifier.ts';
import { startLoopbackReceiver, type LoopbackReceiver } from '../notify/testing/loopback-receiver.ts';
import type { GasMoney } from '../orchestrator/protection.ts';
import { openTestStore, reopenableTestDatabase, testBackends, type ReopenableTestDatabase, type TestStore } from '../store/test-store.ts';
import { createExecutionTelemetry } from './execution-telemetry.ts';
import { gasLowMemoryIn } from './gas-low-memory.ts';
import { settledIntent } from './testing/settled-intent.ts';

/**
 * Live executions reach the operator: a live engine on the local chain, wired as the platform
 * wires it (the engine's onSettled / onGasMoney into the execution telemetry), trades for a
 * while; then /metrics, the webhook (a real HTTP server on loopback) and a bus subscriber are
 * checked against the chain's own receipts of the hot key's transactions.
 */
const LIVE_BLOCKS = 25n;

function value(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('live executions: metrics, notifications and bus messages agree with the chain', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine | undefined;
  let receiver: LoopbackReceiver;
  let bus: EventBus;
  const dir = mkdtempSync(join(tmpdir(), 'orion-exec-telemetry-'));

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, flow: { seed: 11, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openTestStore(testBackends().at(-1)!);
    receiver = await startLoopbackReceiver();
    const redisUrl = process.env['TEST_REDIS_URL'];
    bus = redisUrl === undefined || redisUrl === '' ? createInProcessBus() : await createRedisBus(redisUrl);
  });
  afterAll(async () => {
    await engine?.stop();
    await bus?.close();
    await receiver?.close();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each settled execution is counted by status with its gas and realized profit, notified, and published; gas low once per crossing', async () => {
    const metrics = createMetrics({ defaults: false });
    const notifier = createNotifier({ retryDelayMs: 5, targets: [{ name: 'ops', url: `${receiver.url}/ops`, format: 'json', events: ['execution.landed', 'execution.failed', 'gas.low'] }] });
    const messages: BusMessage[] = [];
    await bus.subscribe(['executions', 'health'], (m) => messages.push(m));
    let markerSeen!: () => void;
    const marker = new Promise<void>((resolve) => (markerSeen = resolve));
    await bus.subscribe(['mode'], () => markerSeen());
    const tokens = new TokenDirectory(snapshotTokens(devnet.seeded.localSnapshot));
    // A floor above any balance: the first read crosses it; every later block stays under (no new notification).
    const telemetry = createExecutionTelemetry({ metrics, bus, tokens: () => tokens, notify: (e) => notifier.notify(e), gasMoneyFloor: () => 1_000_000_000 });
    const chain = devnet.clients.publicClient;
    const hotKey = devnet.executor!.hotKey;
    engine = await startEngine({
      ...devnetEngineOptions(devnet, store.store, 2_000_000_000n),
      mode: 'live',
      live: { account: nativeSigningAccountOf(devnet.clients.accounts[3]!), tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 2 },
      spillDir: dir,
      onSettled: telemetry.onSettled,
      onGasMoney: telemetry.onGasMoney,
    });
    const start = await chain.getBlockNumber();
    while ((await chain.getBlockNumber()) < start + LIVE_BLOCKS + 6n) await new Promise((r) => setTimeout(r, 250));
    await engine.settle();
    await engine.stop();
    engine = undefined;
    await notifier.stop();
    // Published after every execution message on the same bus: once it arrived, they all had.
    await bus.publish('mode', { marker: true });
    await marker;

    // Every intent whose attempt the engine saw mined (an intent sent in its last block may be
    // mined after it stopped: not its to report), each read back from the chain by its hash.
    const { rows: attempts } = await store.store.query<{ tx_hash: Hex }>('select a.tx_hash from intents i join intent_attempts a on a.id = i.settled_attempt');
    const byStatus = { included: 0, reverted: 0, dropped: 0 };
    let gasUsed = 0n;
    let profit = 0n;
    const mined = new Set<string>();
    for (const { tx_hash: hash } of attempts) {
      const receipt = await chain.getTransactionReceipt({ hash });
      mined.add(hash.toLowerCase());
      const tx = await chain.getTransaction({ hash });
      expect(tx.from.toLowerCase()).toBe(hotKey.toLowerCase());
      gasUsed += receipt.gasUsed;
      const cancellation = tx.to?.toLowerCase() === hotKey.toLowerCase() && tx.input === '0x';
      if (cancellation) byStatus.dropped += 1;
      else if (receipt.status === 'success') byStatus.included += 1;
      else byStatus.reverted += 1;
      for (const log of receipt.logs.filter((l) => l.address.toLowerCase() === devnet.executor!.address.toLowerCase())) {
        const event = decodeEventLog({ abi: flashArbExecutorAbi, data: log.data, topics: log.topics });
        if (event.eventName === 'Executed') profit += (event.args as { profit: bigint }).profit;
      }
    }
    expect(byStatus.included, JSON.stringify(byStatus)).toBeGreaterThan(0);
    const text = (await metrics.scrape()).body;
    for (const [status, count] of Object.entries(byStatus)) expect(value(text, `orion_executions_total{mode="live",status="${status}"}`), status).toBe(count);
    expect(value(text, 'orion_gas_spent_total{mode="live",kind="execution"}')).toBe(Number(gasUsed));
    // WETH, 18 decimals: the realized profit in token units (a float, as the metric is).
    const realized = text.split('\n').filter((l) => l.startsWith('orion_profit_total{') && l.includes('kind="realized"'));
    const total = realized.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(total).toBeCloseTo(Number(profit) / 1e18, 12);

    // The webhook: one landed per included execution, one failed per reverted or dropped one, each naming its mined transaction.
    const bodies = receiver.requests.map((r) => r.body as { type: string; details: Record<string, string | null> });
    expect(bodies.filter((b) => b.type === 'execution.landed')).toHaveLength(byStatus.included);
    expect(bodies.filter((b) => b.type === 'execution.failed')).toHaveLength(byStatus.reverted + byStatus.dropped);
    for (const b of bodies.filter((x) => x.type.startsWith('execution.'))) expect(mined.has(b.details['txHash']!.toLowerCase()), b.details['txHash']!).toBe(true);
    // Gas low: once for the crossing, not once per block; its balance is the chain's at that block.
    const low = bodies.filter((b) => b.type === 'gas.low');
    expect(low).toHaveLength(1);
    expect(BigInt(low[0]!.details['balanceWei']!)).toBe(await chain.getBalance({ address: hotKey, blockNumber: BigInt(low[0]!.details['block']!) }));

    // The bus: one executions message per mined execution, the same transactions; one health message for the crossing.
    const executions = messages.filter((m) => m.channel === 'executions').map((m) => m.data as { txHash: string; status: string });
    expect(executions.map((e) => e.txHash.toLowerCase()).sort()).toEqual([...mined].sort());
    expect(executions.filter((e) => e.status === 'included')).toHaveLength(byStatus.included);
    expect(messages.filter((m) => m.channel === 'health').map((m) => (m.data as { gasLow: boolean }).gasLow)).toEqual([true]);
  }, 240_000);
});

describe('gas money crossing the floor', () => {
  it('notifies gas.low once per crossing down and publishes health each way; starting above says nothing', async () => {
    const bus = createInProcessBus();
    const health: BusMessage[] = [];
    let seen!: () => void;
    let arrived = new Promise<void>((resolve) => (seen = resolve));
    await bus.subscribe(['health'], (m) => {
      health.push(m);
      seen();
    });
    const notified: string[] = [];
    const telemetry = createExecutionTelemetry({ metrics: createMetrics({ defaults: false }), bus, tokens: () => new TokenDirectory([]), notify: (e) => notified.push(`${e.type} ${String(e.details?.['executionsLeft'])}`), gasMoneyFloor: () => 3 });
    const read = (block: bigint, left: bigint | null) => telemetry.onGasMoney({ account: '0xab', balance: left === null ? 0n : left * 1000n, feePerGas: 10n, gasPerExecution: 100n, executionsLeft: left, block, enforced: true });
    read(1n, 5n); // above at start: nothing crossed
    read(2n, 3n); // at the floor is not under it
    read(3n, 2n); // under: notified
    await arrived;
    read(4n, 1n); // still under: not again
    read(5n, 0n);
    arrived = new Promise<void>((resolve) => (seen = resolve));
    read(6n, 4n); // topped up: back above
    await arrived;
    arrived = new Promise<void>((resolve) => (seen = resolve));
    read(7n, 2n); // under again: a new crossing
    await arrived;
    read(8n, null); // gas free at that price: above
    await new Promise<void>((resolve) => (seen = resolve));
    expect(notified).toEqual(['gas.low 2', 'gas.low 2']);
    expect(health.map((m) => [(m.data as { block: string }).block, (m.data as { gasLow: boolean }).gasLow])).toEqual([['3', true], ['6', false], ['7', true], ['8', false]]);
    await bus.close();
  });
});

describe.each(testBackends())('across restarts on one database: what was told is not told again (%s)', (backend) => {
  let database: ReopenableTestDatabase;
  beforeAll(async () => {
    database = await reopenableTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.remove();
  });

  it('a process restarted under the same low sends no second gas.low; a top-up, then a restart, then a new low notifies again', async () => {
    const bus = createInProcessBus();
    const health: string[] = [];
    let marker!: () => void;
    await bus.subscribe(['health'], (m) => {
      const data = m.data as { block?: string; gasLow?: boolean; marker?: true };
      if (data.marker === true) marker();
      else health.push(`${data.block} ${data.gasLow}`);
    });
    /** The health messages so far: a marker published after them arrives after them. */
    const healthSoFar = async (): Promise<string[]> => {
      const arrived = new Promise<void>((resolve) => (marker = resolve));
      await bus.publish('health', { marker: true });
      await arrived;
      return [...health];
    };
    const notified: string[] = [];
    const reading = (block: bigint, left: bigint): GasMoney => ({ account: '0xAbC0000000000000000000000000000000000001', balance: left * 1000n, feePerGas: 10n, gasPerExecution: 100n, executionsLeft: left, block, enforced: true });
    /** One run of the process: the telemetry over a newly opened store, fed `readings`, then stopped. */
    const run = async (readings: Array<[bigint, bigint]>): Promise<void> => {
      const store = await database.open();
      try {
        const errors: unknown[] = [];
        const telemetry = createExecutionTelemetry({
          metrics: createMetrics({ defaults: false }), bus, tokens: () => new TokenDirectory([]), gasMoneyFloor: () => 3,
          notify: (e) => notified.push(`${e.type} ${String(e.details?.['block'])}`),
          gasLowMemory: gasLowMemoryIn(store),
          onError: (error) => errors.push(error),
        });
        for (const [block, left] of readings) telemetry.onGasMoney(reading(block, left));
        await telemetry.idle();
        expect(errors).toEqual([]);
      } finally {
        await store.close();
      }
    };
    await run([[1n, 5n], [2n, 2n]]); // starts above, crosses under at block 2
    expect(notified).toEqual(['gas.low 2']);
    await run([[3n, 2n], [4n, 1n]]); // restarted, still under: the same low, nothing again
    expect(notified).toEqual(['gas.low 2']);
    expect(await healthSoFar()).toEqual(['2 true']);
    await run([[5n, 1n], [6n, 4n]]); // restarted under, then topped up: back above, said on the bus
    await run([[7n, 4n], [8n, 2n]]); // restarted above, then under again: a real new crossing
    expect(notified).toEqual(['gas.low 2', 'gas.low 8']);
    expect(await healthSoFar()).toEqual(['2 true', '6 false', '8 true']);
    await bus.close();
  });

  it('an execution reported again by a restarted process (mined before the restart, final after it) is notified once; another one still is', async () => {
    const receiver = await startLoopbackReceiver();
    const weth = `0x${'0a'.repeat(20)}`;
    const tokens = new TokenDirectory([{ address: weth as `0x${string}`, symbol: 'WETH', decimals: 18 }]);
    /** One run of the process: notifier and telemetry over a newly opened store, the intents settled, then stopped. */
    const run = async (intents: bigint[]): Promise<void> => {
      const store = await database.open();
      try {
        const notifier = createNotifier({ store, retryDelayMs: 5, targets: [{ name: 'ops', url: `${receiver.url}/ops`, format: 'json', events: ['execution.landed'] }] });
        const telemetry = createExecutionTelemetry({ metrics: createMetrics({ defaults: false }), bus: createInProcessBus(), tokens: () => tokens, notify: (e) => notifier.notify(e), gasMoneyFloor: () => 0 });
        for (const id of intents) telemetry.onSettled(settledIntent(id, weth, 10n ** 16n));
        await notifier.stop(); // drains: every delivery made and recorded
      } finally {
        await store.close();
      }
    };
    try {
      await run([7n]); // mined: landed, notified
      await run([7n, 8n]); // restarted: 7 final now (reported again), 8 new
      const intents = receiver.requests.map((r) => (r.body as { details: { intent: string } }).details.intent);
      expect(intents).toEqual(['7', '8']);
    } finally {
      await receiver.close();
    }
  });
});

describe('reporting that fails', () => {
  it('never throws back at the live executor: the error goes to onError', () => {
    const errors: string[] = [];
    const telemetry = createExecutionTelemetry({
      metrics: createMetrics({ defaults: false }), bus: createInProcessBus(), notify: () => undefined, gasMoneyFloor: () => 3,
      tokens: () => {
        throw new Error('no token directory yet');
      },
      onError: (error) => errors.push((error as Error).message),
    });
    const settled = { intent: { id: 1n, nonce: 0n, baseToken: '0x00', attempts: [], refused: null, opportunityKey: 'k' }, state: 'confirmed', inclusion: null } as never;
    expect(() => telemetry.onSettled(settled)).not.toThrow();
    expect(errors).toEqual(['no token directory yet']);
  });
});
