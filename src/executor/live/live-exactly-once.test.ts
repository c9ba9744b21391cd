import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../../test/test-seed.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { snapshotToJson } from '../../market/snapshot.ts';
import { openStore, type OpenStoreOptions } from '../../store/open-store.ts';
import type { Store } from '../../store/types.ts';
import type { LiveStep } from './live-executor.ts';
import { runChild, stopChildren } from './testing/child-run.ts';
import { childStore, executionIdentities, hotKeyTransactions } from './testing/child-store.ts';
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

describe('live execution, exactly once across SIGKILLs of the engine process', () => {
  let devnet: Devnet;
  const dir = mkdtempSync(join(tmpdir(), 'orion-exactly-once-'));
  let storeOptions: OpenStoreOptions;
  let removeStore: (() => Promise<void>) | undefined;
  const seed = testSeed();

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, executorHotKey: 7, flow: { seed: 5, swapsPerBlock: 6, maxSizeBps: 300 } });
    ({ options: storeOptions, remove: removeStore } = await childStore());
  });
  afterAll(async () => {
    await stopChildren();
    await devnet?.stop();
    await removeStore?.();
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
      const sent = await hotKeyTransactions(chain, hotKey, startBlock, endBlock);
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
      // No opportunity executed twice: on the chain (executionIdentities), and in the ledger: the
      // mined transactions' intents are of distinct opportunities.
      const executions = executionIdentities(sent);
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
