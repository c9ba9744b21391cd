import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUnits, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctBranch } from '../../chain/testing/reorg-branch.ts';
import { createRpcPool, type RpcPool } from '../../chain/rpc-pool.ts';
import { parseBlockHeader, type BlockHeader } from '../../chain/types.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { startEngine, type Engine } from '../../engine/engine.ts';
import type { SimulatedEvent } from '../../engine/events.ts';
import { TokenDirectory } from '../../format/symbols.ts';
import { DEFAULT_LIMITS, LENDER_KINDS } from '../../orchestrator/limits.ts';
import type { Plan } from '../../orchestrator/plan.ts';
import { engineProtections } from '../../risk-controls/testing/engine-protections.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { bumped, executionFees } from './fees.ts';
import { IntentStore, raiseWriterEpoch } from './intent-store.ts';
import { signWithHash } from './native-signing.ts';
import { opportunityKeyOf } from './opportunity-key.ts';
import { createLiveExecutor, type LiveExecutor, type SettledIntent } from './live-executor.ts';
import { devnetEngineOptions } from './testing/devnet-engine-options.ts';
import { planHunt } from './testing/plan-hunt.ts';
import { faultySendRpc, type FaultySendRpc } from './testing/faulty-send-rpc.ts';
import { lostAnswerStore, type LostAnswerStore } from '../../store/testing/lost-answer-store.ts';

/**
 * The live executor's tracking on a chain the test mines by hand (automine off), so every
 * block is the test's: a send whose answer is lost or that never reached the node, a dropped
 * transaction replaced on its nonce (and the original mined after its replacement), a reorg
 * that takes an included execution out. Plans come from a sim engine following the same chain;
 * the live executor under test is driven block by block (`onHead`), as the engine drives it.
 */

/**
 * `calldata` of FlashArbExecutor.execute with its minimum profit (the third head word after the
 * selector, execute-calldata.ts) set to `minProfit`.
 */
function withMinProfit(calldata: Hex, minProfit: bigint): Hex {
  const at = 2 + 8 + 2 * 64;
  return `${calldata.slice(0, at)}${minProfit.toString(16).padStart(64, '0')}${calldata.slice(at + 64)}` as Hex;
}

/** Each test mines until the sim engine finds a plan: blocks are slow on a loaded machine. */
const TEST_TIMEOUT_MS = 240_000;

interface AttemptRow {
  id: bigint;
  kind: string;
  tx_hash: Hex;
  raw_tx: Hex;
  max_fee_per_gas: bigint;
  max_priority_fee_per_gas: bigint;
  sent_at: Date | null;
  broadcasts: number;
  [key: string]: unknown;
}

describe('live executor: unknown sends, dropped transactions, reorgs (hand-mined devnet)', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine;
  let pool: RpcPool;
  let rpc: FaultySendRpc;
  /** What the executor told the protections, in order. */
  const counted: SettledIntent[] = [];
  /** The executor's database, which can lose a statement's answer. */
  let lossy: LostAnswerStore;
  let live: LiveExecutor;
  const dir = mkdtempSync(join(tmpdir(), 'orion-live-tracking-'));
  const simulated: SimulatedEvent[] = [];
  /** The last block the sim engine ranked. */
  let scanned = 0n;

  const request = (method: string, params: unknown[] = []): Promise<unknown> => pool.request(method, params);
  const head = async (): Promise<BlockHeader> => parseBlockHeader(await request('eth_getBlockByNumber', ['latest', false]));
  const { mine, nextPlan } = planHunt({
    request, buildBlock: () => request('evm_mine'), head, live: () => live, engine: () => engine, simulated, scanned: () => scanned,
  });
  const attemptsOf = async (intentNonce: bigint): Promise<AttemptRow[]> => (await store.store.query<AttemptRow>(
    `select a.* from intent_attempts a join intents i on i.id = a.intent_id where i.nonce = $1 and i.account = $2 order by a.id`,
    [intentNonce, devnet.executor!.hotKey.toLowerCase()], { bigint: ['max_fee_per_gas', 'max_priority_fee_per_gas'] },
  )).rows;
  const intentAt = async (nonce: bigint) => (await store.store.query(
    'select * from intents where nonce = $1 and account = $2', [nonce, devnet.executor!.hotKey.toLowerCase()],
    { bigint: ['nonce', 'included_block', 'settled_attempt', 'realized_profit'] },
  )).rows[0]!;
  const receiptOf = (hash: Hex) => request('eth_getTransactionReceipt', [hash]) as Promise<{ blockNumber: Hex; status: Hex } | null>;
  /** The hot key's next nonce as the database holds it. */
  const nonceRow = async (): Promise<bigint> => (await store.store.query<{ next_nonce: bigint }>(
    'select next_nonce from live_accounts where chain_id = 31337 and account = $1', [devnet.executor!.hotKey.toLowerCase()], { bigint: ['next_nonce'] })).rows[0]!.next_nonce;
  /** The file's live executor on the hot key (account 6), as a start or a restart opens it. */
  const openLive = (extra: Partial<Parameters<typeof createLiveExecutor>[0]> = {}): Promise<LiveExecutor> => createLiveExecutor({
    store: lossy, rpc, chainId: 31337, session: null, blockTimeSeconds: 1, priorityFee: 2_000_000_000n,
    settings: { account: devnet.clients.accounts[6]!, tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 1 },
    onSettled: (settled) => void counted.push(settled),
    // The protections' re-send rules and max_gas_price, as the engine wires them (the sim engine's
    // real protections: the limits an operator sets).
    resendRefusal: (facts) => {
      const lock = guard.service().resendLock(facts);
      return lock === null ? null : `${lock.rule}: ${lock.reason}`;
    },
    maxGasPrice: () => guard.service().maxGasPrice(),
    ...extra,
  });
  /** Sends `plan` live now and returns the nonce its intent got. */
  async function sendLive(plan: Plan, at: BlockHeader): Promise<bigint> {
    const before = live.status().openIntents;
    await live.run([plan], at);
    expect(live.status().openIntents, live.status().lastSkip ?? '').toBe(before + 1);
    const { rows } = await store.store.query<{ nonce: bigint }>('select max(nonce) as nonce from intents', [], { bigint: ['nonce'] });
    return rows[0]!.nonce;
  }
  /**
   * An intent committed whose send never reached the node (bytes nobody was handed: the start-up
   * re-broadcasts them), then the executor stopped: its plan, nonce and attempt.
   */
  async function unsentThenStopped(): Promise<{ plan: Plan; nonce: bigint; written: AttemptRow }> {
    const unsent = await unsentSend();
    await live.close();
    return unsent;
  }
  /** An intent committed whose send never reached the node (the next block re-broadcasts it): its plan, nonce and attempt. */
  async function unsentSend(): Promise<{ plan: Plan; nonce: bigint; written: AttemptRow }> {
    const { plan, head: at } = await nextPlan();
    rpc.failNextSend('lost-request');
    const nonce = await sendLive(plan, at);
    const [written] = await attemptsOf(nonce);
    expect(written!.sent_at).toBeNull();
    return { plan, nonce, written: written! };
  }
  /** Mines until the intent of `nonce` is final. */
  async function untilFinal(nonce: bigint): Promise<Record<string, unknown>> {
    for (let i = 0; i < 10; i++) {
      const row = await intentAt(nonce);
      if (['confirmed', 'failed', 'dropped'].includes(row['state'] as string)) return row;
      await mine();
    }
    throw new Error(`intent of nonce ${nonce} not final after 10 blocks`);
  }

  const operator = { name: 'test', via: 'cli' as const };
  /** Runs `body` with the protections' limits changed by `assignments`, then undone by `undo`. */
  async function withLimits(assignments: string[], undo: string[], body: () => Promise<void>): Promise<void> {
    await guard.service().setLimits(assignments, operator, 'live re-send test');
    try {
      await body();
    } finally {
      await guard.service().setLimits(undo, operator, 'live re-send test over');
    }
  }
  /** Runs `body` with the file's executor reopened with `extra`, then reopened as before. */
  async function withExecutor(extra: Partial<Parameters<typeof createLiveExecutor>[0]>, body: () => Promise<void>): Promise<void> {
    await live.close();
    live = await openLive(extra);
    try {
      await body();
    } finally {
      await live.close();
      live = await openLive();
    }
  }
  /** `amount` base units of `token` as a limit takes it (in the token's units). */
  const tokenUnits = (token: string, amount: bigint): string => formatUnits(amount, tokens.resolve(token).decimals);
  /** Mines a block whose base fee is above every fee the attempts of `nonce` bid: nothing of it is mined. */
  async function pricedOutBlock(nonce: bigint): Promise<void> {
    const bid = (await attemptsOf(nonce)).reduce((most, a) => (a.max_fee_per_gas > most ? a.max_fee_per_gas : most), 0n);
    await request('anvil_setNextBlockBaseFeePerGas', [`0x${(bid + 1_000_000_000n).toString(16)}`]);
    await mine();
  }
  /**
   * Mines until the intent of `nonce` is final and checks it against the chain: its cancellation
   * (its last attempt) is the one transaction mined on the nonce, no other attempt has a receipt,
   * the account's count is past the nonce, and the intent is dropped, settled by it.
   */
  async function expectNonceCancelled(nonce: bigint): Promise<void> {
    const row = await untilFinal(nonce);
    const attempts = await attemptsOf(nonce);
    const cancel = attempts.at(-1)!;
    expect(cancel.kind).toBe('cancel');
    const receipt = (await receiptOf(cancel.tx_hash))!;
    expect(BigInt(receipt.status)).toBe(1n);
    for (const other of attempts.slice(0, -1)) expect(await receiptOf(other.tx_hash)).toBeNull();
    expect([row['state'], row['settled_attempt'], row['included_block']]).toEqual(['dropped', cancel.id, BigInt(receipt.blockNumber)]);
    expect(BigInt(await request('eth_getTransactionCount', [devnet.executor!.hotKey, 'latest']) as string)).toBe(nonce + 1n);
    expect(await nonceRow()).toBe(nonce + 1n);
  }

  /** The sim engine's protections (real: the limits an operator sets), which the test's live executor may be given too. */
  let guard: ReturnType<typeof engineProtections>;
  /** The devnet's tokens (the limits name them). */
  let tokens: TokenDirectory;
  beforeAll(async () => {
    devnet = await startDevnet({ cacheDir: join(dir, 'cache'), executor: true, executorHotKey: 6, flow: { seed: 3, swapsPerBlock: 6, maxSizeBps: 300, intervalMs: 200 } });
    await devnet.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [false] as never });
    pool = createRpcPool([devnet.anvil.rpcUrl]);
    store = await openTestStore(testBackends().at(-1)!);
    tokens = new TokenDirectory(devnet.seeded.localSnapshot.pools.flatMap((p) => [p.token0, p.token1]));
    guard = engineProtections(store.store, 31337, { tokens, limits: { ...DEFAULT_LIMITS, revertBreaker: { consecutive: 1_000_000, window: 50, maxRatePct: 100, cooldownBlocks: 1 }, routeSuppression: { failures: 1_000_000, retryBlocks: 1 } } });
    engine = await startEngine({
      ...devnetEngineOptions(devnet, store.store, 2_000_000_000n),
      // The sim engine is only the plan source here: its simulations revert often on this market
      // (the known gaps), and its breakers would then stop it planning for the test's blocks.
      protections: guard.open,
      mode: 'sim', pollIntervalMs: 50, onSimulated: (event) => void simulated.push(event), onOpportunities: (block) => void (scanned = block),
    });
    rpc = faultySendRpc(pool);
    lossy = lostAnswerStore(store.store);
    live = await openLive();
  });
  afterAll(async () => {
    await live?.close();
    await engine?.stop();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it('a send whose answer was lost (the node took it): status unknown, then settled from the chain, no second transaction', async () => {
    const { plan, head: at } = await nextPlan();
    rpc.failNextSend('lost-answer');
    const nonce = await sendLive(plan, at);
    const [first] = await attemptsOf(nonce);
    expect(first!.sent_at).toBeNull();
    const row = await untilFinal(nonce);
    const attempts = await attemptsOf(nonce);
    expect(attempts.map((a) => a.tx_hash)).toEqual([first!.tx_hash]);
    expect(row['settled_attempt']).toBe(first!.id);
    expect(await receiptOf(first!.tx_hash)).not.toBeNull();
    expect(rpc.forwardedSends.filter((raw) => raw === first!.raw_tx).length).toBeGreaterThanOrEqual(1);
  }, TEST_TIMEOUT_MS);

  it('a send that never reached the node (429/500/timeout): the identical bytes are re-broadcast, never re-signed', async () => {
    const { plan, head: at } = await nextPlan();
    rpc.failNextSend('lost-request');
    const nonce = await sendLive(plan, at);
    const [first] = await attemptsOf(nonce);
    expect(first!.sent_at).toBeNull();
    expect(rpc.forwardedSends).not.toContain(first!.raw_tx);
    const row = await untilFinal(nonce);
    const attempts = await attemptsOf(nonce);
    expect(attempts.map((a) => a.tx_hash)).toEqual([first!.tx_hash]);
    expect(rpc.forwardedSends.filter((raw) => raw === first!.raw_tx)).toHaveLength(1);
    expect(row['settled_attempt']).toBe(first!.id);
  }, TEST_TIMEOUT_MS);

  it('an execution is told to the protections once mined, before it is final, and once only', async () => {
    const { plan, head: at } = await nextPlan();
    const nonce = await sendLive(plan, at);
    const before = counted.length;
    await mine();
    const row = await intentAt(nonce);
    // Mined in this block, final one block later (ORION_CONFIRMATIONS=1 here): the account is
    // free already, so its loss or revert must count now.
    expect([row['state'], row['included_block'] !== null]).toEqual(['unconfirmed', true]);
    expect(counted.slice(before).map((s) => s.intent.nonce)).toEqual([nonce]);
    const receipt = await receiptOf((await attemptsOf(nonce))[0]!.tx_hash);
    expect(counted.at(-1)!.state).toBe(BigInt(receipt!.status) === 1n ? 'confirmed' : 'failed');
    await untilFinal(nonce);
    expect(counted.filter((s) => s.intent.nonce === nonce)).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it('a receipt read the node answers with an error decides nothing: a mined execution is not settled dropped; a later block settles it', async () => {
    const { plan, head: at } = await nextPlan();
    const nonce = await sendLive(plan, at);
    const [sent] = await attemptsOf(nonce);
    // The block that mines it is tracked while every receipt read fails (the account's mined count
    // still answers: past this nonce). Before, that read as "a transaction not ours used the nonce".
    rpc.failReceiptReads(true);
    try {
      await mine();
    } finally {
      rpc.failReceiptReads(false);
    }
    const receipt = await receiptOf(sent!.tx_hash);
    expect(receipt).not.toBeNull();
    const held = await intentAt(nonce);
    expect([held['state'], held['included_block']]).toEqual(['unconfirmed', null]);
    const row = await untilFinal(nonce);
    expect(row['state']).toBe(BigInt(receipt!.status) === 1n ? 'confirmed' : 'failed');
    expect([row['settled_attempt'], row['included_block']]).toEqual([sent!.id, BigInt(receipt!.blockNumber)]);
    expect(await attemptsOf(nonce)).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it('a dropped transaction is replaced on its nonce (both fees +10 %); the original mined after its replacement settles the intent once', async () => {
    const { plan, head: at } = await nextPlan();
    const nonce = await sendLive(plan, at);
    const [original] = await attemptsOf(nonce);
    expect(await request('anvil_dropTransaction', [original!.tx_hash])).not.toBeNull();
    await mine();
    const attempts = await attemptsOf(nonce);
    expect(attempts.map((a) => a.kind)).toEqual(['execute', 'replacement']);
    const replacement = attempts[1]!;
    expect(replacement.max_fee_per_gas).toBeGreaterThanOrEqual(bumped(original!.max_fee_per_gas));
    expect(replacement.max_priority_fee_per_gas).toBeGreaterThanOrEqual(bumped(original!.max_priority_fee_per_gas));
    // The replacement disappears too, and someone re-broadcasts the original: it is mined.
    expect(await request('anvil_dropTransaction', [replacement.tx_hash])).not.toBeNull();
    await request('eth_sendRawTransaction', [original!.raw_tx]);
    const row = await untilFinal(nonce);
    expect(row['settled_attempt']).toBe(original!.id);
    expect(await receiptOf(original!.tx_hash)).not.toBeNull();
    expect(await receiptOf(replacement.tx_hash)).toBeNull();
    expect(BigInt(await request('eth_getTransactionCount', [devnet.executor!.hotKey, 'latest']) as string)).toBe(nonce + 1n);
  }, TEST_TIMEOUT_MS);

  it('a public transaction priced out until its deadline: the cause is recorded (base fee above its max fee), then its nonce is cancelled', async () => {
    const { plan, head: at } = await nextPlan();
    const nonce = await sendLive(plan, at);
    const [sent] = await attemptsOf(nonce);
    // Every block of its window asks more than it (or a replacement signed meanwhile) bids.
    for (let block = at.number + 1n; block <= plan.deadlineBlock; block++) {
      const bid = (await attemptsOf(nonce)).reduce((most, a) => (a.max_fee_per_gas > most ? a.max_fee_per_gas : most), 0n);
      await request('anvil_setNextBlockBaseFeePerGas', [`0x${(bid + 1_000_000_000n).toString(16)}`]);
      await mine();
    }
    // The base fee back where the plan found it: left high, it would decay only 12.5 % a block,
    // and the next test hunts for a plan that pays for its gas.
    await request('anvil_setNextBlockBaseFeePerGas', [`0x${at.baseFeePerGas!.toString(16)}`]);
    for (const a of await attemptsOf(nonce)) expect(await receiptOf(a.tx_hash)).toBeNull();
    const intent = await intentAt(nonce);
    const { rows: feedback } = await store.store.query<{ submission: string; target_block: bigint; reason: string; detail: string }>(
      'select * from inclusion_feedback where intent_id = $1', [intent['id'] as bigint], { bigint: ['target_block'] });
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ submission: 'public', target_block: plan.deadlineBlock, reason: 'base-fee-above-cap' });
    expect(feedback[0]!.detail).toContain(`max fee ${sent!.max_fee_per_gas}`);
    expect(live.status().inclusionFailures['base-fee-above-cap']).toBe(1);
    const row = await untilFinal(nonce);
    expect(row['state']).toBe('dropped');
    expect((await attemptsOf(nonce)).at(-1)!.kind).toBe('cancel');
  }, TEST_TIMEOUT_MS);

  it('an RPC that hides its pool (null for a pending transaction it holds; poolVisible false): the pending transaction is not taken for dropped and replaced every block', async () => {
    await live.close();
    live = await openLive({ settings: { account: devnet.clients.accounts[6]!, tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 1, poolVisible: false } });
    const { plan, head: at } = await nextPlan();
    // At least one block between the send and the deadline (where a cancellation takes the nonce).
    expect(plan.deadlineBlock - at.number).toBeGreaterThanOrEqual(2n);
    rpc.hidePool(true);
    try {
      const nonce = await sendLive(plan, at);
      expect((await attemptsOf(nonce))[0]!.sent_at).not.toBeNull();
      // Pending (every block asks more than it bids), and the RPC answers null for it.
      for (let block = at.number + 1n; block < plan.deadlineBlock; block++) {
        const bid = (await attemptsOf(nonce)).reduce((most, a) => (a.max_fee_per_gas > most ? a.max_fee_per_gas : most), 0n);
        await request('anvil_setNextBlockBaseFeePerGas', [`0x${(bid + 1_000_000_000n).toString(16)}`]);
        await mine();
      }
      expect((await attemptsOf(nonce)).map((a) => a.kind)).toEqual(['execute']);
      await request('anvil_setNextBlockBaseFeePerGas', [`0x${at.baseFeePerGas!.toString(16)}`]);
      const row = await untilFinal(nonce);
      expect(['confirmed', 'failed', 'dropped']).toContain(row['state']);
      expect((await attemptsOf(nonce)).map((a) => a.kind)).not.toContain('replacement');
    } finally {
      rpc.hidePool(false);
      await live.close();
      live = await openLive();
    }
  }, TEST_TIMEOUT_MS);

  it('a reorg that takes out the block of an included execution puts it back to pending; it is settled again on the new branch', async () => {
    const { plan, head: at } = await nextPlan();
    const nonce = await sendLive(plan, at);
    const included = await mine();
    const before = await intentAt(nonce);
    expect(before['included_block']).toBe(included.number);
    // Replace the last block by one without our transaction.
    await request('anvil_reorg', [1, await distinctBranch((method) => request(method))]);
    const reorged = await head();
    expect(reorged.hash).not.toBe(included.hash);
    live.onHead(reorged);
    await live.idle();
    const pending = await intentAt(nonce);
    expect(pending['included_block']).toBeNull();
    expect(pending['state']).toBe('unconfirmed');
    const row = await untilFinal(nonce);
    const attempts = await attemptsOf(nonce);
    const mined = [];
    for (const a of attempts) if ((await receiptOf(a.tx_hash)) !== null) mined.push(a.id);
    expect(mined).toEqual([row['settled_attempt']]);
    const receipt = (await receiptOf(attempts.find((a) => a.id === row['settled_attempt'])!.tx_hash))!;
    expect(row['included_block']).toBe(BigInt(receipt.blockNumber));
  }, TEST_TIMEOUT_MS);

  it('a plan committed ahead of its simulation and refused by it is withdrawn: no row left, its nonce goes to the next plan, its bytes never sent', async () => {
    const { plan, head: at } = await nextPlan();
    const hotKey = devnet.executor!.hotKey.toLowerCase();
    const before = await nonceRow();
    const sendsBefore = rpc.forwardedSends.length;
    const withdrawnBefore = live.status().withdrawn;
    // The same opportunity asking for more than the chain gives: its simulation answers below the minimum.
    const short: Plan = { ...plan, minProfit: 10n ** 40n };
    await live.run([short, plan], at);
    expect(live.status().lastSkip).toBeNull();
    // The short plan was committed ahead of its simulation, then taken back.
    expect(live.status().withdrawn).toBe(withdrawnBefore + 1);
    const { rows } = await store.store.query<{ nonce: bigint; plan: { minProfit: string } }>(
      'select nonce, plan from intents where account = $1 and nonce >= $2 order by nonce', [hotKey, before], { bigint: ['nonce'] });
    // One intent, on the nonce the withdrawn one had taken first, for the plan that passed.
    expect(rows.map((r) => [r.nonce, r.plan.minProfit])).toEqual([[before, plan.minProfit.toString()]]);
    expect(await nonceRow()).toBe(before + 1n);
    const [attempt] = await attemptsOf(before);
    expect(rpc.forwardedSends.slice(sendsBefore)).toEqual([attempt!.raw_tx]);
    const row = await untilFinal(before);
    expect(row['settled_attempt']).toBe(attempt!.id);
    expect(BigInt(await request('eth_getTransactionCount', [hotKey, 'latest']) as string)).toBe(before + 1n);
  }, TEST_TIMEOUT_MS);

  it('a simulation that fails outright (every endpoint down) after the commit ahead: the intent is withdrawn, no nonce gap', async () => {
    const { plan, head: at } = await nextPlan();
    const hotKey = devnet.executor!.hotKey.toLowerCase();
    const before = await nonceRow();
    const sendsBefore = rpc.forwardedSends.length;
    const withdrawnBefore = live.status().withdrawn;
    rpc.failNextSimulation();
    await expect(live.run([plan], at)).rejects.toThrow(/every RPC endpoint failed \(injected\)/);
    // Committed ahead of the simulation, then taken back when it failed: no row, the nonce row back.
    expect(live.status().withdrawn).toBe(withdrawnBefore + 1);
    expect((await store.store.query('select id from intents where account = $1 and nonce >= $2', [hotKey, before])).rows).toEqual([]);
    expect(await nonceRow()).toBe(before);
    expect(rpc.forwardedSends.length).toBe(sendsBefore);
    // The same plan, sent again now that the node answers, takes that nonce and is mined: the
    // chain and the database agree, no gap. (The same plan, not the next one found: late in this
    // file the devnet's simulations mostly revert, and a hunt for another can run out of blocks.)
    expect(await sendLive(plan, at)).toBe(before);
    await untilFinal(before);
    expect(BigInt(await request('eth_getTransactionCount', [hotKey, 'latest']) as string)).toBe(before + 1n);
  }, TEST_TIMEOUT_MS);
  it('a commit whose answer and read-back were both lost: the intent it wrote is found before anything else and its nonce cancelled; no gap, its bytes never sent', async () => {
    const { plan, head: at } = await nextPlan();
    const before = await nonceRow();
    const sendsBefore = rpc.forwardedSends.length;
    // The commit runs, its answer is lost, and so is the read-back that would have found it.
    lossy.loseNext('orion_create_intent', 'after');
    lossy.loseNext('select * from intents where chain_id', 'before');
    await expect(live.run([plan], at)).rejects.toThrow(/connection terminated unexpectedly/);
    const [written] = await attemptsOf(before);
    expect([written!.kind, written!.sent_at, await nonceRow()]).toEqual(['execute', null, before + 1n]);
    // The next block finds it and takes its nonce with a cancellation: the chain's count moves on.
    const row = await untilFinal(before);
    const attempts = await attemptsOf(before);
    expect(attempts.map((a) => a.kind)).toEqual(['execute', 'cancel']);
    expect([row['state'], row['settled_attempt']]).toEqual(['dropped', attempts[1]!.id]);
    expect(BigInt(await request('eth_getTransactionCount', [devnet.executor!.hotKey, 'latest']) as string)).toBe(before + 1n);
    expect(rpc.forwardedSends.slice(sendsBefore)).not.toContain(written!.raw_tx);
    // The next plan takes the next nonce.
    const next = await nextPlan();
    expect(await sendLive(next.plan, next.head)).toBe(before + 1n);
    await untilFinal(before + 1n);
  }, TEST_TIMEOUT_MS);

  it('a restart with the kill switch engaged cancels an intent no node ever accepted, instead of re-broadcasting it', async () => {
    const { nonce, written } = await unsentThenStopped();
    live = await openLive({ sendsStopped: () => 'the kill switch is engaged (test)' });
    const attempts = await attemptsOf(nonce);
    expect(attempts.map((a) => a.kind)).toEqual(['execute', 'cancel']);
    expect(rpc.forwardedSends).not.toContain(written.raw_tx);
    const row = await untilFinal(nonce);
    expect([row['state'], row['settled_attempt']]).toEqual(['dropped', attempts[1]!.id]);
  }, TEST_TIMEOUT_MS);

  it('a refusal outlives a restart: an intent its block refused and that could not be withdrawn is cancelled by the next start-up, its bytes never sent', async () => {
    const { plan, head: at } = await nextPlan();
    const before = await nonceRow();
    const sendsBefore = rpc.forwardedSends.length;
    // The protections' gate refuses the plan (or its simulation does), and the withdraw never
    // runs (its statement lost before the server saw it): the intent stays, holding the nonce.
    lossy.loseNext('delete from intent_attempts', 'before');
    await live.run([plan], at, () => ({ rule: 'max-input', reason: 'the input is above the limit (test)' }));
    const [written] = await attemptsOf(before);
    expect([written!.kind, written!.sent_at, await nonceRow()]).toEqual(['execute', null, before + 1n]);
    expect((await intentAt(before))['refused_reason']).toMatch(/max-input: the input is above the limit \(test\)|simulation/);
    // The process stops before any block's tracking cancelled it; the next start-up cancels it.
    await live.close();
    live = await openLive();
    const attempts = await attemptsOf(before);
    expect(attempts.map((a) => a.kind)).toEqual(['execute', 'cancel']);
    expect(rpc.forwardedSends.slice(sendsBefore)).not.toContain(written!.raw_tx);
    const row = await untilFinal(before);
    expect([row['state'], row['settled_attempt']]).toEqual(['dropped', attempts[1]!.id]);
  }, TEST_TIMEOUT_MS);

  it('a crash between the commit made ahead of the simulation and its verdict: the start-up does not re-broadcast those bytes (their plan now reverts) but cancels the nonce; an intent with a verdict is re-broadcast; no gap, the intents agree with the chain', async () => {
    const { plan, head: at } = await nextPlan();
    const hotKey = devnet.executor!.hotKey;
    await live.close();
    // The same opportunity with a minimum profit no execution reaches: its bytes revert on chain.
    const reverting: Plan = { ...plan, minProfit: 10n ** 40n, calldata: withMinProfit(plan.calldata, 10n ** 40n) };
    expect(await request('eth_call', [{ from: hotKey, to: plan.executor, data: reverting.calldata, gas: `0x${plan.gasLimit.toString(16)}` }, 'latest']).then(() => 'passed', () => 'reverted')).toBe('reverted');
    // The stored state as the crash leaves it: the process that committed the first plan ahead of
    // its simulation (simulated profit unknown, never sent) died before the verdict; the next
    // plan of another block was committed after its simulation passed (its profit stored) and the
    // process died before its send. Written by the executor's own store calls and signing.
    const writer = new IntentStore(store.store, 31337, hotKey, await raiseWriterEpoch(store.store, 31337, hotKey));
    const first = await writer.initNonce(BigInt(await request('eth_getTransactionCount', [hotKey, 'latest']) as string));
    const signer = devnet.clients.accounts[6]!;
    const commitAs = async (committed: Plan, key: string, simulatedProfit: bigint | null) => (await writer.createIntent({
      plan: committed, opportunityKey: key, modeSession: null, simulatedProfit,
      sign: async (nonce) => {
        const fees = executionFees(committed, 0, undefined);
        const { rawTx, txHash } = await signWithHash(signer, {
          type: 'eip1559', chainId: 31337, nonce: Number(nonce), to: committed.executor, data: committed.calldata, gas: committed.gasLimit, value: 0n, ...fees,
        });
        return { kind: 'execute', rawTx, txHash, gasLimit: committed.gasLimit, ...fees, createdBlock: at.number };
      },
    }))!;
    const unjudged = await commitAs(reverting, opportunityKeyOf(plan), null);
    const judged = await commitAs(plan, `${opportunityKeyOf(plan)}|judged`, plan.expectedProfit);
    expect([unjudged.intent.nonce, judged.intent.nonce]).toEqual([first, first + 1n]);
    const sendsBefore = rpc.forwardedSends.length;

    live = await openLive();
    expect(live.status().reconciled.intents).toBe(2);
    // Without a verdict: refused and cancelled, its bytes never sent. With one: re-broadcast.
    expect((await attemptsOf(first)).map((a) => a.kind)).toEqual(['execute', 'cancel']);
    expect((await intentAt(first))['refused_reason']).toMatch(/^not sent: committed ahead of its simulation/);
    expect((await attemptsOf(first + 1n)).map((a) => a.kind)).toEqual(['execute']);
    expect(rpc.forwardedSends.slice(sendsBefore)).not.toContain(unjudged.attempt.rawTx);
    expect(rpc.forwardedSends.slice(sendsBefore)).toContain(judged.attempt.rawTx);

    // The chain: the nonce went to the cancellation (the reverting execution is nowhere), the next
    // nonce to the judged execution; the account's count has no gap, and the intents say the same.
    const cancelled = await untilFinal(first);
    const [execute, cancel] = await attemptsOf(first);
    expect(await request('eth_getTransactionByHash', [execute!.tx_hash])).toBeNull();
    const cancelReceipt = (await receiptOf(cancel!.tx_hash))!;
    expect(BigInt(cancelReceipt.status)).toBe(1n);
    expect([cancelled['state'], cancelled['settled_attempt'], cancelled['included_block']]).toEqual(['dropped', cancel!.id, BigInt(cancelReceipt.blockNumber)]);
    expect(cancelled['failure_reason']).toMatch(/^cancelled: refused \(not sent: committed ahead of its simulation/);
    const judgedRow = await untilFinal(first + 1n);
    const judgedReceipt = (await receiptOf(judged.attempt.txHash))!;
    expect([judgedRow['settled_attempt'], judgedRow['included_block'], judgedRow['state']])
      .toEqual([judged.attempt.id, BigInt(judgedReceipt.blockNumber), BigInt(judgedReceipt.status) === 1n ? 'confirmed' : 'failed']);
    expect(BigInt(await request('eth_getTransactionCount', [hotKey, 'latest']) as string)).toBe(first + 2n);
    expect(await nonceRow()).toBe(first + 2n);
  }, TEST_TIMEOUT_MS);

  it('a limit tightened after the commit holds when the bytes would go out again: the start-up cancels an intent whose route goes through a token denied since, instead of re-broadcasting it', async () => {
    const { plan, nonce, written } = await unsentThenStopped();
    // The operator denies a token of its route meanwhile (the real protections' limits).
    const token = plan.hops[0]!.tokenOut.toLowerCase();
    await guard.service().setLimits([`tokens.deny=${token}`], operator, 'live re-send test');
    try {
      live = await openLive();
      const attempts = await attemptsOf(nonce);
      expect(attempts.map((a) => a.kind)).toEqual(['execute', 'cancel']);
      expect(rpc.forwardedSends).not.toContain(written.raw_tx);
      expect((await intentAt(nonce))['refused_reason']).toBe(`not sent again: token-lists: the route goes through ${token}, on the deny list (tokens.deny)`);
    } finally {
      await guard.service().setLimits(['tokens.deny=none'], operator, 'live re-send test over');
    }
    const row = await untilFinal(nonce);
    expect(row['state']).toBe('dropped');
  }, TEST_TIMEOUT_MS);

  it('max_input lowered after the commit: the re-broadcast of a send whose outcome is unknown is refused and its nonce cancelled; only the cancellation reaches the chain', async () => {
    const { plan, nonce, written } = await unsentSend();
    const limit = plan.amountIn - 1n;
    await withLimits([`max_input.${plan.baseToken}=${tokenUnits(plan.baseToken, limit)}`], [`max_input.${plan.baseToken}=none`], async () => {
      // The next block would re-broadcast the identical bytes (the send never reached the node).
      await mine();
      expect((await attemptsOf(nonce)).map((a) => a.kind)).toEqual(['execute', 'cancel']);
      expect((await intentAt(nonce))['refused_reason'])
        .toBe(`not sent again: max-input: input ${plan.amountIn} is above max_input ${limit} (base units of ${plan.baseToken.toLowerCase()})`);
    });
    expect(rpc.forwardedSends).not.toContain(written.raw_tx);
    await expectNonceCancelled(nonce);
  }, TEST_TIMEOUT_MS);

  it('max_flash_loan lowered after the commit: the replacement due for an execution not mined is not made; its nonce goes to a cancellation', async () => {
    await withExecutor({ settings: { account: devnet.clients.accounts[6]!, tipShareBps: 0, replaceAfterBlocks: 1, confirmations: 1 } }, async () => {
      const { plan, head: at } = await nextPlan();
      expect(LENDER_KINDS as readonly string[]).toContain(plan.flash.kind);
      expect(plan.deadlineBlock - at.number).toBeGreaterThanOrEqual(2n);
      const nonce = await sendLive(plan, at);
      const [sent] = await attemptsOf(nonce);
      expect(sent!.sent_at).not.toBeNull();
      const limit = plan.amountIn - 1n;
      const key = `max_flash_loan.${plan.flash.kind}.${plan.baseToken}`;
      await withLimits([`${key}=${tokenUnits(plan.baseToken, limit)}`], [`${key}=none`], async () => {
        // Not mined a block later (that block asks more than it bids): a replacement is due.
        await pricedOutBlock(nonce);
        expect((await attemptsOf(nonce)).map((a) => a.kind)).toEqual(['execute', 'cancel']);
        expect((await intentAt(nonce))['refused_reason'])
          .toBe(`not sent again: max-flash-loan: a ${plan.flash.kind} flash loan of ${plan.amountIn} is above max_flash_loan.${plan.flash.kind} ${limit} (base units of ${plan.baseToken.toLowerCase()})`);
      });
      await request('anvil_setNextBlockBaseFeePerGas', [`0x${at.baseFeePerGas!.toString(16)}`]);
      // The cancellation took the execution's place in the pool: the execution is nowhere.
      expect(await request('eth_getTransactionByHash', [sent!.tx_hash])).toBeNull();
      await expectNonceCancelled(nonce);
    });
  }, TEST_TIMEOUT_MS);

  it('max_gas_price lowered after the commit: no replacement priced above it is signed or sent, only the identical bytes until the deadline; then a cancellation takes the nonce', async () => {
    await withExecutor({ settings: { account: devnet.clients.accounts[6]!, tipShareBps: 0, replaceAfterBlocks: 1, confirmations: 1 } }, async () => {
      const { plan, head: at } = await nextPlan();
      expect(plan.deadlineBlock - at.number).toBeGreaterThanOrEqual(2n);
      const nonce = await sendLive(plan, at);
      const [sent] = await attemptsOf(nonce);
      const sendsBefore = rpc.forwardedSends.length;
      // The cap at the execution's own max fee: any replacement (+10 %, and the next block's base fee) bids above it.
      await withLimits([`max_gas_price=${sent!.max_fee_per_gas}wei`], ['max_gas_price=none'], async () => {
        // Each block until the deadline asks more than the execution bids (anvil then drops it
        // from its pool): a replacement is due from the first block (dropped, or replaceAfterBlocks
        // 1) and refused by the cap every block; only the identical bytes go out again.
        for (let block = at.number + 1n; block < plan.deadlineBlock; block++) {
          await pricedOutBlock(nonce);
          expect((await attemptsOf(nonce)).map((a) => a.kind)).toEqual(['execute']);
        }
        expect(rpc.forwardedSends.slice(sendsBefore).filter((raw) => raw !== sent!.raw_tx)).toEqual([]);
        // At the deadline its nonce goes to a cancellation (not a price bid for the plan: not capped).
        await pricedOutBlock(nonce);
        expect((await attemptsOf(nonce)).map((a) => a.kind)).toEqual(['execute', 'cancel']);
      });
      await request('anvil_setNextBlockBaseFeePerGas', [`0x${at.baseFeePerGas!.toString(16)}`]);
      await expectNonceCancelled(nonce);
    });
  }, TEST_TIMEOUT_MS);

  it('a status write the database refuses because another writer took the account: the fenced-out writer does not record the mined execution; reported once; the next writer settles it from the chain', async () => {
    const errors: unknown[] = [];
    let nonce = 0n;
    let sent: AttemptRow | undefined;
    await withExecutor({ onError: (error) => void errors.push(error) }, async () => {
      const { plan, head: at } = await nextPlan();
      nonce = await sendLive(plan, at);
      [sent] = await attemptsOf(nonce);
      // Another writer takes the account (it raises the epoch before reading anything).
      await raiseWriterEpoch(store.store, 31337, devnet.executor!.hotKey);
      await mine();
      expect(await receiptOf(sent!.tx_hash)).not.toBeNull();
      // The tracking's record of the receipt was refused: the row is as the new writer read it.
      const row = await intentAt(nonce);
      expect([row['state'], row['included_block'], row['settled_attempt']]).toEqual(['unconfirmed', null, null]);
      expect(errors.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([expect.stringMatching(/^live writer fenced: the writer epoch of .* this writer holds/)]);
      expect(live.status().lastSkip).toMatch(/live writer fenced: .*nothing is sent or tracked until a restart/);
    });
    // The executor opened again (the next writer) settles it from its receipt.
    const row = await untilFinal(nonce);
    expect(row['settled_attempt']).toBe(sent!.id);
    expect(errors).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  // The last two: they end the file's executor.
  it('closing between run() and its queued send: nothing is signed, committed or sent', async () => {
    const { plan, head: at } = await nextPlan();
    const hotKey = devnet.executor!.hotKey.toLowerCase();
    const before = await nonceRow();
    const sendsBefore = rpc.forwardedSends.length;
    // close() in the same turn as run(): the send is still queued behind it.
    const running = live.run([plan], at);
    const closing = live.close();
    await running;
    await closing;
    expect(live.status().lastSkip).toBe('the executor is closing');
    expect((await store.store.query('select id from intents where account = $1 and nonce >= $2', [hotKey, before])).rows).toEqual([]);
    expect(await nonceRow()).toBe(before);
    expect(rpc.forwardedSends.length).toBe(sendsBefore);
  }, TEST_TIMEOUT_MS);

  // PostgreSQL only: PGlite's lock is the process's folder lock, which nothing ends but the process.
  it.runIf(testBackends().at(-1) === 'postgres')('a writer lock lost to the server (its session ended): reported once, then nothing is signed, committed or sent (PostgreSQL)', async () => {
    const hotKey = devnet.executor!.hotKey.toLowerCase();
    const errors: unknown[] = [];
    let reported!: () => void;
    const lossReported = new Promise<void>((resolve) => (reported = resolve));
    // The file's executor is closed (above): this one takes the account's lock.
    const second = await openLive({
      store: store.store,
      onError: (error) => {
        errors.push(error);
        reported();
      },
    });
    try {
      live = second;
      const { plan, head: at } = await nextPlan();
      const before = await nonceRow();
      const sendsBefore = rpc.forwardedSends.length;
      const { rows } = await store.store.query<{ ended: boolean }>(
        `select pg_terminate_backend(pid) as ended from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()
           and objid = (hashtext($1)::bigint & 4294967295)`, [`orion.live:31337:${hotKey}`]);
      expect(rows).toEqual([{ ended: true }]);
      await lossReported;
      expect(errors.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([expect.stringMatching(/live writer lock of .* on chain 31337 was lost: .*terminat/i)]);
      await second.run([plan], at);
      expect(second.status().lastSkip).toBe('the writer lock was lost: nothing is sent');
      expect((await store.store.query('select id from intents where account = $1 and nonce >= $2', [hotKey, before])).rows).toEqual([]);
      expect(await nonceRow()).toBe(before);
      expect(rpc.forwardedSends.length).toBe(sendsBefore);
    } finally {
      await second.close();
    }
  }, TEST_TIMEOUT_MS);

  it('a commit the database refuses because another writer took the account (its epoch raised): reported once, as a lost lock, then nothing is signed, committed, sent or tracked', async () => {
    const hotKey = devnet.executor!.hotKey.toLowerCase();
    const errors: unknown[] = [];
    await live.close(); // the file's executor (closed above on PostgreSQL; a second close is nothing)
    const third = await openLive({ store: store.store, onError: (error) => void errors.push(error) });
    try {
      live = third;
      const { plan, head: at } = await nextPlan();
      const before = await nonceRow();
      const sendsBefore = rpc.forwardedSends.length;
      // Another writer takes the account as this one's lock session ends unheard of (PostgreSQL),
      // or as a second executor opens on it: it raises the epoch before reading anything.
      await raiseWriterEpoch(store.store, 31337, devnet.executor!.hotKey);
      await third.run([plan], at);
      expect(errors.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([expect.stringMatching(/^live writer fenced: the writer epoch of .* this writer holds/)]);
      expect(third.status().lastSkip).toMatch(/live writer fenced: .*nothing is sent or tracked until a restart/);
      expect((await store.store.query('select id from intents where account = $1 and nonce >= $2', [hotKey, before])).rows).toEqual([]);
      expect(await nonceRow()).toBe(before);
      // Tracked no more, sent no more, and reported no more.
      third.onHead(await head());
      await third.idle();
      await third.run([plan], at);
      expect(third.status().lastSkip).toBe('the writer lock was lost: nothing is sent');
      expect(rpc.forwardedSends.length).toBe(sendsBefore);
      expect(errors.length).toBe(1);
    } finally {
      await third.close();
    }
  }, TEST_TIMEOUT_MS);
});
