import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFunctionData, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../../test/test-seed.ts';
import { flashArbExecutorAbi } from '../../contracts/abis/FlashArbExecutor.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { snapshotToJson } from '../../market/snapshot.ts';
import { migrate } from '../../store/migrate.ts';
import { openStore, type OpenStoreOptions } from '../../store/open-store.ts';
import { freshPgliteDataDir, testBackends } from '../../store/test-store.ts';
import type { Store } from '../../store/types.ts';
import type { LiveStep } from './live-executor.ts';
import type { KillPoint } from './testing/fault-points.ts';

/**
 * Exactly once: the live engine runs as a child process and is SIGKILLed right after signing
 * (inside the intent's transaction: nothing committed), right after sending, right after a
 * receipt is read but before it is saved, and at random points; the chain keeps running. After
 * each restart the engine reconciles its open intents. In the end every intent has exactly one
 * mined transaction, the hot key's nonces have no gap, every transaction the hot key sent is an
 * attempt the database committed first, no opportunity was executed twice, and the ledger
 * agrees with the chain.
 */

const CHILD = fileURLToPath(new URL('./testing/engine-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Random kill points after the three named ones: EXACTLY_ONCE_RANDOM_KILLS (a test-only variable,
 * not ORION_*), default 2 to keep the suite's time bounded; the issue's 10 for a long run.
 */
const RANDOM_KILLS = Number(process.env['EXACTLY_ONCE_RANDOM_KILLS'] ?? '2');
const RANDOM_STEPS: LiveStep[] = ['signed', 'committed', 'sent', 'receipt', 'included', 'settled', 'rebroadcast'];
/** Longest one child may run before the test kills it itself (a step that did not come, and no sends either). */
const RUN_LIMIT_MS = 40_000;
/**
 * A kill point not reached once the child has made this many sends beyond the point's nth is
 * given up: the test kills the child there and reports the point "not reached". Every random step
 * but `rebroadcast` comes at least once per send (signed, committed and sent with it; the receipt,
 * the inclusion and, one confirmation later, the settlement within two blocks of it), so a
 * reachable point is reached long before. `rebroadcast` comes only at a start-up that found an
 * unmined transaction, or after a send whose outcome is unknown; a run without one waited the
 * whole RUN_LIMIT_MS (40 s of ~35 s of trading otherwise), the bulk of the test's time when a seed
 * drew it.
 */
const GIVE_UP_AFTER_SENDS = 4;

interface Run {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
  kill(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null>;
}

function runChild(settingsFile: string): Run {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, settingsFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => {
    resolve({ code, signal });
    for (const listener of listeners) listener();
  }));
  return {
    exited,
    output: () => output,
    kill: (signal) => void child.kill(signal),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match !== null || child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          resolve(null);
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

describe('live execution, exactly once across SIGKILLs of the engine process', () => {
  let devnet: Devnet;
  const dir = mkdtempSync(join(tmpdir(), 'orion-exactly-once-'));
  let storeOptions: OpenStoreOptions;
  let dropSchema: (() => Promise<void>) | undefined;
  const seed = testSeed();

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, executorHotKey: 7, flow: { seed: 5, swapsPerBlock: 6, maxSizeBps: 300 } });
    const backend = testBackends().at(-1)!;
    if (backend === 'postgres') {
      const databaseUrl = process.env['TEST_DATABASE_URL']!;
      const schema = `test_live_${randomBytes(5).toString('hex')}`;
      storeOptions = { databaseUrl, schema, maxConnections: 4 };
      dropSchema = async () => {
        const admin = await openStore({ databaseUrl, maxConnections: 1 });
        await admin.exec(`drop schema if exists ${schema} cascade`).finally(() => admin.close());
      };
    } else {
      storeOptions = { dataDir: await freshPgliteDataDir() };
    }
    const store = await openStore(storeOptions);
    await migrate(store);
    await store.close();
  });
  afterAll(async () => {
    await devnet?.stop();
    await dropSchema?.();
    if (storeOptions !== undefined && 'dataDir' in storeOptions) rmSync(storeOptions.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('after kills right after signing, after sending, before the receipt is saved and at random points: one mined transaction per intent, no nonce gap, ledger = chain', async () => {
    const chain = devnet.clients.publicClient;
    const hotKey = devnet.executor!.hotKey;
    const snapshotFile = join(dir, 'snapshot.json');
    writeFileSync(snapshotFile, JSON.stringify(snapshotToJson(devnet.seeded.localSnapshot)));
    const settingsFile = (kill: KillPoint | null, drain = false): string => {
      const file = join(dir, `child-${randomBytes(4).toString('hex')}.json`);
      writeFileSync(file, JSON.stringify({
        rpcUrl: devnet.anvil.rpcUrl, snapshotFile, executor: devnet.executor!.address, hotKeyIndex: 7, store: storeOptions, kill, confirmations: 1, replaceAfterBlocks: 3, drain,
      }));
      return file;
    };
    const startNonce = await chain.getTransactionCount({ address: hotKey });
    const startBlock = await chain.getBlockNumber();

    // Seeded random kill points (TEST_SEED replays a run).
    let state = seed;
    const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kills: KillPoint[] = [{ step: 'signed', nth: 1 }, { step: 'sent', nth: 1 }, { step: 'receipt', nth: 1 }];
    for (let i = 0; i < RANDOM_KILLS; i++) kills.push({ step: RANDOM_STEPS[Math.floor(random() * RANDOM_STEPS.length)]!, nth: 1 + Math.floor(random() * 2) });
    console.log(`exactly-once: TEST_SEED=${seed}; kill points ${JSON.stringify(kills)}`);

    const reconcileMs: number[] = [];
    const killedAt: string[] = [];
    for (const kill of kills) {
      const run = runChild(settingsFile(kill));
      const reconciled = await run.waitFor(/reconciled (\{.*\})/, RUN_LIMIT_MS);
      if (reconciled !== null) reconcileMs.push((JSON.parse(reconciled[1]!) as { ms: number }).ms);
      // Until the child kills itself at the point, or the point is given up (GIVE_UP_AFTER_SENDS), or RUN_LIMIT_MS.
      const sends = kill.nth + GIVE_UP_AFTER_SENDS;
      const givenUp = await run.waitFor(new RegExp(`^step sent ${sends}$`, 'm'), RUN_LIMIT_MS);
      // The hook prints the step before it kills its process (stdout to a pipe is synchronous on Linux).
      const reached = new RegExp(`^step ${kill.step} ${kill.nth}$`, 'm').test(run.output());
      if (!reached) run.kill('SIGKILL');
      const { signal } = await run.exited;
      expect(signal, run.output()).toBe('SIGKILL');
      killedAt.push(reached ? `${kill.step}#${kill.nth}` : `${givenUp === null ? 'time' : `send ${sends}`} (${kill.step}#${kill.nth} not reached)`);
    }
    console.log(`exactly-once: killed at ${killedAt.join(', ')}`);

    // A last run trades normally for a few blocks and stops cleanly.
    const last = runChild(settingsFile(null));
    expect(await last.waitFor(/reconciled/, RUN_LIMIT_MS), last.output()).not.toBeNull();
    const lastStart = await chain.getBlockNumber();
    while ((await chain.getBlockNumber()) < lastStart + 6n) await new Promise((r) => setTimeout(r, 250));
    last.kill('SIGTERM');
    expect((await last.exited).code, last.output()).toBe(0);
    // One more start settles what it left open: from the receipts, or by tracking it to the end
    // (a transaction priced out by a rising base fee is cancelled past its deadline), with the
    // kill switch engaged so nothing new is planned meanwhile.
    const settle = runChild(settingsFile(null, true));
    const settled = await settle.waitFor(/reconciled (\{.*\})/, RUN_LIMIT_MS);
    expect(settled, settle.output()).not.toBeNull();
    reconcileMs.push((JSON.parse(settled![1]!) as { ms: number }).ms);
    expect(await settle.waitFor(/drained/, RUN_LIMIT_MS), settle.output()).not.toBeNull();
    settle.kill('SIGTERM');
    expect((await settle.exited).code, settle.output()).toBe(0);
    console.log(`exactly-once: restart to every intent reconciled, ms: ${reconcileMs.map((ms) => ms.toFixed(1)).join(', ')}`);
    const endBlock = await chain.getBlockNumber();

    const store: Store = await openStore(storeOptions);
    try {
      const { rows: intents } = await store.query<{ id: bigint; nonce: bigint; state: string; settled_attempt: bigint | null; opportunity_key: string }>(
        'select id, nonce, state, settled_attempt, opportunity_key from intents order by nonce', [], { bigint: ['nonce', 'settled_attempt'] });
      const { rows: attempts } = await store.query<{ id: bigint; intent_id: bigint; tx_hash: Hex; kind: string }>('select id, intent_id, tx_hash, kind from intent_attempts order by id');
      expect(intents.length).toBeGreaterThan(0);

      // The chain's view, read block by block: every transaction the hot key sent.
      const sent: { hash: Hex; nonce: bigint; input: Hex }[] = [];
      for (let n = startBlock; n <= endBlock; n++) {
        const block = await chain.getBlock({ blockNumber: n, includeTransactions: true });
        for (const tx of block.transactions) if (tx.from.toLowerCase() === hotKey.toLowerCase()) sent.push({ hash: tx.hash, nonce: BigInt(tx.nonce), input: tx.input });
      }
      // Nothing reached the chain that the database had not committed first.
      const attemptOf = new Map(attempts.map((a) => [a.tx_hash.toLowerCase(), a]));
      expect(sent.filter((tx) => !attemptOf.has(tx.hash.toLowerCase()))).toEqual([]);
      // Nonces: contiguous from the first, one mined transaction each, one intent each.
      expect(sent.map((tx) => tx.nonce)).toEqual(sent.map((_, i) => BigInt(startNonce) + BigInt(i)));
      expect(intents.map((i) => i.nonce)).toEqual(sent.map((tx) => tx.nonce));
      expect(BigInt(await chain.getTransactionCount({ address: hotKey }))).toBe(BigInt(startNonce) + BigInt(intents.length));
      // Each intent's one mined transaction is one of its own attempts, and the ledger says which.
      for (const [i, intent] of intents.entries()) {
        const attempt = attemptOf.get(sent[i]!.hash.toLowerCase())!;
        expect(attempt.intent_id).toBe(intent.id);
        expect(intent.settled_attempt, `intent ${intent.id} (${intent.state})`).toBe(attempt.id);
        expect(['confirmed', 'failed', 'dropped']).toContain(intent.state);
      }
      // No opportunity executed twice. On the chain: no two mined executions share what an
      // opportunity's plan puts in the calldata apart from its deadline — the route, the amount in,
      // the minimum profit (from the predicted profit at its state) and the flash source. The
      // route and amount alone are not an opportunity: a loan capped at a lender's capacity gives
      // the same amount at two states of the route's pools. In the ledger: the mined transactions'
      // intents are of distinct opportunities.
      const executions = sent.filter((tx) => tx.input !== '0x').map((tx) => {
        const { args } = decodeFunctionData({ abi: flashArbExecutorAbi, data: tx.input });
        return JSON.stringify([args[0], args[1], args[2], args[4]], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      });
      expect(executions.filter((e, i) => executions.indexOf(e) !== i)).toEqual([]);
      const routeAndAmount = executions.map((e) => JSON.stringify((JSON.parse(e) as unknown[]).slice(0, 2)));
      console.log(`exactly-once: ${executions.length} executions mined, ${routeAndAmount.filter((e, i) => routeAndAmount.indexOf(e) !== i).length} sharing a route and amount in with an earlier one (other states)`);
      const keyOf = new Map(intents.map((intent) => [intent.id, intent.opportunity_key]));
      const minedKeys = sent.map((tx) => keyOf.get(attemptOf.get(tx.hash.toLowerCase())!.intent_id)!);
      expect(new Set(minedKeys).size).toBe(minedKeys.length);
    } finally {
      await store.close();
    }
  }, 900_000);
});
