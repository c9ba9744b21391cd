import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEventLog, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashArbExecutorAbi } from '../../contracts/abis/FlashArbExecutor.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { startEngine, type Engine } from '../../engine/engine.ts';
import { nativeSigning, nativeSigningAccountOf } from './native-signing.ts';
import { devnetEngineOptions } from './testing/devnet-engine-options.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';

/** Blocks the engine trades live for with the noise flow before the checks. */
const LIVE_BLOCKS = 30n;
const PRIORITY_FEE = 2_000_000_000n;

describe('engine (live) on the local chain: intents, sends, receipts, realized P&L', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'orion-live-'));

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, flow: { seed: 11, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openTestStore(testBackends().at(-1)!);
    engine = await startEngine({
      ...devnetEngineOptions(devnet, store.store, PRIORITY_FEE),
      mode: 'live',
      // The hot key as the platform loads it: transactions signed natively (native-signing.ts).
      live: { account: nativeSigningAccountOf(devnet.clients.accounts[3]!), tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 2 },
      spillDir: dir,
    });
  });
  afterAll(async () => {
    await engine?.stop();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`over ${LIVE_BLOCKS} blocks of noise flow: executions land, realized profit is the contract's to the wei, ledger and chain agree on every nonce`, async () => {
    const chain = devnet.clients.publicClient;
    const hotKey = devnet.executor!.hotKey;
    const startNonce = await chain.getTransactionCount({ address: hotKey });
    const start = await chain.getBlockNumber();
    while ((await chain.getBlockNumber()) < start + LIVE_BLOCKS) await new Promise((r) => setTimeout(r, 250));
    // Let the last sends settle (mined and `confirmations` deep), then stop the engine so every row is written.
    const settledBy = start + LIVE_BLOCKS + 6n;
    while ((await chain.getBlockNumber()) < settledBy) await new Promise((r) => setTimeout(r, 250));
    await engine.settle();
    const status = engine.status().executor.live!;
    await engine.stop();
    // The funnel /health shows, as the engine counted it by the time it stopped.
    const funnel = engine.funnel();
    engine = undefined as unknown as Engine;

    const db = store.store;
    const { rows: intents } = await db.query(
      `select i.*, a.tx_hash as settled_hash from intents i left join intent_attempts a on a.id = i.settled_attempt order by i.nonce`, [],
      { bigint: ['nonce', 'plan_block', 'deadline_block', 'predicted_profit', 'realized_profit', 'gas_used', 'effective_gas_price', 'gas_cost_wei', 'included_block', 'simulated_profit'] },
    );
    expect(intents.length, JSON.stringify(status)).toBeGreaterThan(0);
    const seen = JSON.stringify(status);
    expect(status.sent, seen).toBeGreaterThan(0);
    // Sends found the account free from their block's own transactions (no receipt read first).
    expect(status.freeFromBlock, seen).toBeGreaterThan(0);
    // Every intent's transaction was signed by libsecp256k1 (and its hash below is the chain's).
    const signing = nativeSigning();
    expect(signing.available && signing.signatures).toBeGreaterThanOrEqual(intents.length);
    expect(status.signer).toBe('libsecp256k1');
    // The in-memory funnel counts the live executions as they happened (it used to keep the
    // start's figures): every intent here was sent, and each realized one is counted.
    expect(funnel.submitted, `${funnel.submitted} submitted, ${funnel.included} included`).toBe(intents.length);
    expect(funnel.realized).toBe(intents.filter((r) => r['realized_profit'] !== null).length);
    // Every intent sent carries its simulated profit, learned after a commit made ahead of it.
    for (const row of intents) if (row['state'] !== 'in_progress') expect(row['simulated_profit'], `intent ${String(row['id'])}`).not.toBeNull();

    // Nonces: contiguous from the hot key's first, each mined exactly by the intent's settled attempt.
    const nonces = intents.map((r) => r['nonce'] as bigint);
    expect(nonces).toEqual(nonces.map((_, i) => BigInt(startNonce) + BigInt(i)));
    const { rows: account } = await db.query('select next_nonce from live_accounts where account = $1', [hotKey.toLowerCase()], { bigint: ['next_nonce'] });
    expect(account[0]!['next_nonce']).toBe(BigInt(startNonce) + BigInt(intents.length));
    // An intent sent in the engine's last block may still be pending when it stopped: once the
    // chain has mined two more blocks, exactly one of its attempts has a receipt.
    const stoppedAt = await chain.getBlockNumber();
    while ((await chain.getBlockNumber()) < stoppedAt + 2n) await new Promise((r) => setTimeout(r, 250));
    const { rows: attempts } = await db.query<{ intent_id: bigint; tx_hash: Hex }>('select intent_id, tx_hash from intent_attempts order by id');
    const settled = intents.filter((r) => r['settled_hash'] !== null);
    for (const open of intents.filter((r) => r['settled_hash'] === null)) {
      const mined = [];
      for (const a of attempts.filter((a) => a.intent_id === open['id'])) {
        const receipt = await chain.getTransactionReceipt({ hash: a.tx_hash }).catch(() => null);
        if (receipt !== null) mined.push(a.tx_hash);
      }
      expect(mined, `intent ${String(open['id'])} left pending at stop`).toHaveLength(1);
    }
    expect(intents.length - settled.length).toBeLessThanOrEqual(1);
    // Every nonce the database handed out is mined on chain, and no other.
    expect(BigInt(await chain.getTransactionCount({ address: hotKey }))).toBe(BigInt(startNonce) + BigInt(intents.length));

    let exact = 0;
    let landed = 0;
    for (const row of settled) {
      const hash = row['settled_hash'] as Hex;
      const tx = await chain.getTransaction({ hash });
      const receipt = await chain.getTransactionReceipt({ hash });
      expect(BigInt(tx.nonce)).toBe(row['nonce']);
      expect(tx.from.toLowerCase()).toBe(hotKey.toLowerCase());
      expect(receipt.blockNumber).toBe(row['included_block']);
      expect(row['gas_used']).toBe(receipt.gasUsed);
      expect(row['gas_cost_wei']).toBe(receipt.gasUsed * receipt.effectiveGasPrice);
      // The realized profit is what the contract's Executed event says, decoded here independently.
      const executed = receipt.logs.filter((log) => log.address.toLowerCase() === devnet.executor!.address.toLowerCase())
        .map((log) => decodeEventLog({ abi: flashArbExecutorAbi, data: log.data, topics: log.topics }))
        .filter((e) => e.eventName === 'Executed');
      const onChainProfit = executed.reduce((sum, e) => sum + (e.args as { profit: bigint }).profit, 0n);
      expect(row['realized_profit']).toBe(onChainProfit);
      // A send not mined by its plan's deadline (a 1 s chain on a loaded machine can get there)
      // gives its nonce to a cancellation: 0 to itself, no data, mined after the deadline. Its
      // intent is dropped, never confirmed.
      const cancellation = tx.to?.toLowerCase() === hotKey.toLowerCase() && tx.input === '0x' && tx.value === 0n;
      if (cancellation) {
        expect(receipt.blockNumber).toBeGreaterThanOrEqual(row['deadline_block'] as bigint);
        expect(['dropped', 'unconfirmed']).toContain(row['state']);
        continue;
      }
      // Final once deep enough; one mined in the engine's last blocks may still be waiting for its depth.
      expect([receipt.status === 'success' ? 'confirmed' : 'failed', 'unconfirmed']).toContain(row['state']);
      expect(row['receipt_status']).toBe(receipt.status === 'success' ? 'success' : 'reverted');
      if (receipt.status === 'success') landed += 1;
      // Mined first in the block right after the one it was planned at: nothing moved its pools,
      // so the contract made exactly the predicted profit.
      if (receipt.status === 'success' && receipt.blockNumber === (row['plan_block'] as bigint) + 1n && receipt.transactionIndex === 0) {
        expect(row['realized_profit']).toBe(row['predicted_profit']);
        exact += 1;
      }
    }
    expect(landed, `no execution succeeded on chain: ${seen}`).toBeGreaterThan(0);
    expect(exact, `none mined first in the block after its plan (${landed} landed): ${seen}`).toBeGreaterThan(0);

    // The ledger's execution rows agree with the intents.
    const { rows: executions } = await db.query('select intent_id, status, realized_profit, predicted_profit, nonce from executions where intent_id is not null order by nonce', [],
      { bigint: ['intent_id', 'realized_profit', 'predicted_profit', 'nonce'] });
    expect(executions.map((e) => e['nonce'])).toEqual(nonces);
    expect(executions.map((e) => e['realized_profit'])).toEqual(intents.map((r) => r['realized_profit']));
    expect(executions.filter((e) => e['status'] === 'included').length).toBe(landed);
  }, 180_000);
});
