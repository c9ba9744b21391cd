import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, type Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../../chain/testing/fault-injecting-proxy.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { snapshotToJson } from '../../market/snapshot.ts';
import { openStore, type OpenStoreOptions } from '../../store/open-store.ts';
import { runChild, stopChildren, type Run } from './testing/child-run.ts';
import { childStore, executionIdentities, hotKeyTransactions } from './testing/child-store.ts';
import type { KillPoint } from './testing/fault-points.ts';
import { startRelayDouble, type RelayDouble } from './testing/relay-double.ts';

/**
 * Bundle mode (ORION_SUBMIT=bundle) across a SIGKILL in the middle of a bundle submit: the live
 * engine runs as a child process (testing/engine-child.ts) against the loopback relay double, on
 * a devnet whose blocks only the double builds (so a bundle lands in its target block or not at
 * all), and every request of the child to the node passes a proxy that counts them. The child is
 * killed right after the relays took its first bundle and before the send was recorded (step
 * `bundled`): the intent has no verdict stored, so the restart takes its nonce with a
 * cancellation. That cancellation went to the public RPC (`eth_sendRawTransaction`), telling the
 * public mempool the account had a private bundle pending; it must go to the relays as a bundle,
 * replacing the execution bundle the relays still hold for the same blocks. In the end: not one
 * `eth_sendRawTransaction` from the child, the hot key's nonces without a gap, each intent with
 * exactly one mined transaction, no opportunity executed twice.
 */

/** Longest one wait for the child may take (a step that did not come). */
const RUN_LIMIT_MS = 60_000;
/** The chain's clock: the double builds a block this often (as anvil's --block-time would), unless paused. */
const BLOCK_MS = 1_000;
const HOT_KEY_INDEX = 4;

describe('live bundle submission, exactly once across a SIGKILL mid-submit (relay double, hand-mined devnet)', () => {
  let devnet: Devnet;
  let relay: RelayDouble;
  let proxy: FaultInjectingProxy;
  const dir = mkdtempSync(join(tmpdir(), 'orion-bundle-exactly-once-'));
  let storeOptions: OpenStoreOptions;
  let removeStore: (() => Promise<void>) | undefined;
  /** The block builder: one block per BLOCK_MS while not paused, and not while `watched` is mid-send. */
  let building = true;
  let paused = false;
  let watched: Run | null = null;
  let builder: Promise<void> = Promise.resolve();
  /**
   * Whether `watched` signed a plan whose block part is not done yet (no `simulated` line after
   * it): its bundle may be on its way to the relay, and the block it targets is held back, so that
   * a kill at `bundled` leaves the bundle unmined, still held by the relay, at the restart.
   */
  const midSend = (): boolean => {
    const lines = watched?.output().match(/^(step signed \d+|simulated \d+)$/gm) ?? [];
    return lines.at(-1)?.startsWith('step signed') ?? false;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ cacheDir: join(dir, 'cache'), executor: true, executorHotKey: HOT_KEY_INDEX, flow: { seed: 11, swapsPerBlock: 6, maxSizeBps: 300, intervalMs: 200 } });
    await devnet.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [false] as never });
    relay = await startRelayDouble(devnet.anvil.rpcUrl);
    proxy = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
    ({ options: storeOptions, remove: removeStore } = await childStore());
    builder = (async () => {
      while (building) {
        if (!paused && !midSend()) await relay.buildBlock();
        await new Promise((r) => setTimeout(r, BLOCK_MS));
      }
    })();
  });
  afterAll(async () => {
    await stopChildren();
    building = false;
    await builder;
    await relay?.stop();
    await proxy?.close();
    await devnet?.stop();
    await removeStore?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a kill after the relays took the bundle, before the send was recorded: the restart cancels privately (a bundle replacing the held one), nothing ever goes to eth_sendRawTransaction, no nonce gap, one mined transaction per intent', async () => {
    const chain = devnet.clients.publicClient;
    const hotKey = devnet.executor!.hotKey;
    const snapshotFile = join(dir, 'snapshot.json');
    writeFileSync(snapshotFile, JSON.stringify(snapshotToJson(devnet.seeded.localSnapshot)));
    const relayAuthKey = generatePrivateKey();
    const settingsFile = (kill: KillPoint | null, drain = false): string => {
      const file = join(dir, `child-${randomBytes(4).toString('hex')}.json`);
      writeFileSync(file, JSON.stringify({
        rpcUrl: proxy.url, snapshotFile, executor: devnet.executor!.address, hotKeyIndex: HOT_KEY_INDEX, store: storeOptions, kill, confirmations: 1, replaceAfterBlocks: 3, drain,
        bundle: { relayUrls: [relay.url], relayAuthKey, blocks: 2 },
      }));
      return file;
    };
    const publicSends = (): number => proxy.forwardedCalls.flat().filter((method) => method === 'eth_sendRawTransaction').length;
    const startNonce = await chain.getTransactionCount({ address: hotKey });
    const startBlock = await chain.getBlockNumber();
    const expectReconciled = async (run: Run): Promise<void> => {
      expect(await run.waitFor(/reconciled (\{.*\})/, RUN_LIMIT_MS), run.output()).not.toBeNull();
    };

    // The kill: right after the relays took the first bundle. No block is built while the child's
    // send is under way, nor until the restart has reconciled, so the execution bundle (blocks
    // N+1, N+2) is still held by the relay then. A block whose build began just before the child
    // signed could still take it (a loaded machine): then the kill is made again, on the next send.
    let execution: Hex | undefined;
    for (let tries = 0; tries < 3 && execution === undefined; tries++) {
      const killed = runChild(settingsFile({ step: 'bundled', nth: 1 }));
      watched = killed;
      await expectReconciled(killed);
      expect((await killed.exited).signal, killed.output()).toBe('SIGKILL');
      paused = true;
      watched = null;
      expect(killed.output()).toMatch(/^step bundled 1$/m);
      const held = [...relay.received].reverse().find((r) => r.method === 'eth_sendBundle')!;
      const bytes = (JSON.parse(held.body) as { params: [{ txs: Hex[] }] }).params[0].txs[0]!;
      if (await chain.getTransactionReceipt({ hash: keccak256(bytes) }).then(() => true, () => false)) {
        console.log(`bundle exactly-once: the bundle landed before the restart (try ${tries + 1}); killing again`);
        paused = false;
        continue;
      }
      execution = bytes;
    }
    expect(execution, 'a kill that left the bundle unmined').toBeDefined();

    // The restart, blocks still stopped: the intent without a verdict gets its nonce cancelled, as a bundle.
    const restarted = runChild(settingsFile(null));
    await expectReconciled(restarted);
    expect(await restarted.waitFor(/^step bundled 1$/m, RUN_LIMIT_MS), restarted.output()).not.toBeNull();
    const cancellation = [...relay.received].reverse().find((r) => r.method === 'eth_sendBundle')!;
    const cancelBundle = (JSON.parse(cancellation.body) as { params: [{ txs: Hex[]; replacementUuid: string }] }).params[0];
    expect(cancelBundle.txs[0]).not.toBe(execution);
    // It replaces what the relay holds for those blocks (the same replacementUuid per target block),
    // instead of racing it for the nonce. Compared block by block: a block built just before the
    // relay took the execution bundle (a loaded machine) moves the cancellation's targets one on, so
    // the two share one target block, not both (the last cancellation sent then targets a block the
    // execution bundle never did).
    const sentFor = relay.received.filter((r) => r.method === 'eth_sendBundle').map((r) => (JSON.parse(r.body) as { params: [{ txs: Hex[]; blockNumber: Hex; replacementUuid: string }] }).params[0]);
    const executionUuidAt = new Map(sentFor.filter((b) => b.txs[0] === execution).map((b) => [BigInt(b.blockNumber), b.replacementUuid]));
    const cancellationsAtHeld = sentFor.filter((b) => b.txs[0] === cancelBundle.txs[0] && executionUuidAt.has(BigInt(b.blockNumber)));
    expect(cancellationsAtHeld.length, JSON.stringify(sentFor)).toBeGreaterThan(0);
    for (const b of cancellationsAtHeld) expect(b.replacementUuid).toBe(executionUuidAt.get(BigInt(b.blockNumber)));
    paused = false;
    // The cancellation lands; then the engine trades on (bundles) for a few sends.
    expect(await restarted.waitFor(/^step settled 1$/m, RUN_LIMIT_MS), restarted.output()).not.toBeNull();
    expect(await chain.getTransactionReceipt({ hash: keccak256(cancelBundle.txs[0]!) })).toMatchObject({ status: 'success' });
    const cancelTx = await chain.getTransaction({ hash: keccak256(cancelBundle.txs[0]!) });
    expect([cancelTx.value, cancelTx.to?.toLowerCase(), cancelTx.input]).toEqual([0n, hotKey.toLowerCase(), '0x']);
    expect(await restarted.waitFor(/^step sent 3$/m, RUN_LIMIT_MS), restarted.output()).not.toBeNull();
    restarted.kill('SIGTERM');
    expect((await restarted.exited).code, restarted.output()).toBe(0);
    // What it left open settles, with the kill switch engaged (nothing new planned).
    const settle = runChild(settingsFile(null, true));
    await expectReconciled(settle);
    expect(await settle.waitFor(/drained/, RUN_LIMIT_MS), settle.output()).not.toBeNull();
    settle.kill('SIGTERM');
    expect((await settle.exited).code, settle.output()).toBe(0);
    const endBlock = await chain.getBlockNumber();

    // Not one transaction of the account went to the public RPC.
    expect(publicSends()).toBe(0);
    expect(proxy.stats.forwarded).toBeGreaterThan(0);

    const store = await openStore(storeOptions);
    try {
      const { rows: intents } = await store.query<{ id: bigint; nonce: bigint; state: string; settled_attempt: bigint | null; opportunity_key: string }>(
        'select id, nonce, state, settled_attempt, opportunity_key from intents order by nonce', [], { bigint: ['nonce', 'settled_attempt'] });
      const { rows: attempts } = await store.query<{ id: bigint; intent_id: bigint; tx_hash: Hex; kind: string }>('select id, intent_id, tx_hash, kind from intent_attempts order by id');
      // The killed send's intent: its execution never mined, its nonce taken by the private cancellation.
      const killedIntent = attempts.find((a) => a.tx_hash.toLowerCase() === keccak256(execution!).toLowerCase())!.intent_id;
      expect(attempts.filter((a) => a.intent_id === killedIntent).map((a) => [a.kind, a.tx_hash])).toEqual([['execute', keccak256(execution!)], ['cancel', keccak256(cancelBundle.txs[0]!)]]);
      expect(intents.find((i) => i.id === killedIntent)!.state).toBe('dropped');
      // The chain: every transaction the hot key sent, block by block.
      const sent = await hotKeyTransactions(chain, hotKey, startBlock + 1n, endBlock);
      const attemptOf = new Map(attempts.map((a) => [a.tx_hash.toLowerCase(), a]));
      expect(sent.filter((tx) => !attemptOf.has(tx.hash.toLowerCase()))).toEqual([]);
      // Nonces contiguous from the first, one mined transaction and one intent each, each intent settled by it.
      expect(sent.map((tx) => tx.nonce)).toEqual(sent.map((_, i) => BigInt(startNonce) + BigInt(i)));
      expect(intents.map((i) => i.nonce)).toEqual(sent.map((tx) => tx.nonce));
      for (const [i, intent] of intents.entries()) {
        expect(intent.settled_attempt, `intent ${intent.id} (${intent.state})`).toBe(attemptOf.get(sent[i]!.hash.toLowerCase())!.id);
        expect(['confirmed', 'failed', 'dropped']).toContain(intent.state);
      }
      // No opportunity executed twice: distinct opportunities in the ledger, distinct plans on chain.
      const minedKeys = sent.map((tx) => intents.find((i) => i.id === attemptOf.get(tx.hash.toLowerCase())!.intent_id)!.opportunity_key);
      expect(new Set(minedKeys).size).toBe(minedKeys.length);
      const executions = executionIdentities(sent);
      expect(executions.filter((e, i) => executions.indexOf(e) !== i)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 600_000);
});
