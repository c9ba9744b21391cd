import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, erc20Abi, keccak256, maxUint256, stringToHex, verifyMessage, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcPool, type RpcPool } from '../../chain/rpc-pool.ts';
import { parseBlockHeader, type BlockHeader } from '../../chain/types.ts';
import { loadConfig } from '../../config.ts';
import { loadArtifact } from '../../contracts/compile.ts';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { mintTestTokens } from '../../devnet/test-token.ts';
import { v2ExactInputCalldata, v3ExactInputCalldata } from '../../devnet/router-calls.ts';
import { sendAll } from '../../devnet/transactions.ts';
import { startEngine, type Engine } from '../../engine/engine.ts';
import type { SimulatedEvent } from '../../engine/events.ts';
import { ConfigError } from '../../errors.ts';
import { validateLive } from '../../mode/checks.ts';
import { limitsTarget } from '../../mode/testing/live-limits.ts';
import { DEFAULT_LIMITS } from '../../orchestrator/limits.ts';
import type { Plan } from '../../orchestrator/plan.ts';
import { engineProtections } from '../../risk-controls/testing/engine-protections.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { FLASHBOTS_SIGNATURE_HEADER } from './flashbots-signature.ts';
import { createLiveExecutor, type LiveExecutor } from './live-executor.ts';
import { bundleSettings } from './live-settings.ts';
import { createRelayClient } from './relay-client.ts';
import { devnetEngineOptions } from './testing/devnet-engine-options.ts';
import { planHunt } from './testing/plan-hunt.ts';
import { startRelayDouble, type RelayDouble } from './testing/relay-double.ts';

/**
 * Bundle submission against the loopback relay double (testing/relay-double.ts, a double of the
 * outside relay + builder): the double builds every block of a hand-mined devnet, so a bundle can
 * only land in the block it targets. Plans come from a sim engine following the same chain; the
 * live executor under test (ORION_SUBMIT=bundle, one target block per bundle so re-targeting
 * shows) is driven block by block as the engine drives it. Each reason a bundle misses is made
 * to happen on chain and read back from inclusion_feedback.
 */

const TEST_TIMEOUT_MS = 240_000;
const GWEI = 1_000_000_000n;

describe('live executor, bundle submission through the relay double (hand-mined devnet)', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine;
  let pool: RpcPool;
  let relay: RelayDouble;
  let live: LiveExecutor;
  const authKey = privateKeyToAccount(generatePrivateKey());
  const dir = mkdtempSync(join(tmpdir(), 'orion-live-bundle-'));
  const simulated: SimulatedEvent[] = [];
  let scanned = 0n;

  const request = (method: string, params: unknown[] = []): Promise<unknown> => pool.request(method, params);
  const head = async (): Promise<BlockHeader> => parseBlockHeader(await request('eth_getBlockByNumber', ['latest', false]));
  const competitor = () => devnet.clients.accounts[7]!;
  const { mine, nextPlan } = planHunt({
    request, buildBlock: () => relay.buildBlock(), head, live: () => live, engine: () => engine, simulated, scanned: () => scanned,
  });
  /** Sends `plan` live now; returns its intent and first attempt. */
  async function sendLive(plan: Plan, at: BlockHeader): Promise<{ intent: bigint; nonce: bigint; txHash: Hex; maxFeePerGas: bigint }> {
    const before = live.status().openIntents;
    await live.run([plan], at);
    expect(live.status().openIntents, live.status().lastSkip ?? '').toBe(before + 1);
    const { rows } = await store.store.query<{ id: bigint; nonce: bigint; tx_hash: Hex; max_fee_per_gas: bigint }>(
      'select i.id, i.nonce, a.tx_hash, a.max_fee_per_gas from intents i join intent_attempts a on a.intent_id = i.id order by i.id desc, a.id limit 1', [],
      { bigint: ['id', 'nonce', 'max_fee_per_gas'] },
    );
    return { intent: rows[0]!.id, nonce: rows[0]!.nonce, txHash: rows[0]!.tx_hash, maxFeePerGas: rows[0]!.max_fee_per_gas };
  }
  const intentRow = async (id: bigint) => (await store.store.query('select * from intents where id = $1', [id], { bigint: ['nonce', 'included_block', 'realized_profit', 'predicted_profit'] })).rows[0]!;
  const feedbackOf = async (id: bigint) => (await store.store.query<{ target_block: bigint; reason: string; detail: string; competitor_tx: string | null; competitor_sender: string | null; submission: string }>(
    'select * from inclusion_feedback where intent_id = $1 order by target_block', [id], { bigint: ['target_block'] },
  )).rows;
  const receiptOf = (hash: Hex) => request('eth_getTransactionReceipt', [hash]) as Promise<{ blockNumber: Hex; status: Hex; transactionIndex: Hex } | null>;
  async function untilFinal(id: bigint): Promise<Record<string, unknown>> {
    for (let i = 0; i < 10; i++) {
      const row = await intentRow(id);
      if (['confirmed', 'failed', 'dropped'].includes(row['state'] as string)) return row;
      await mine();
    }
    throw new Error(`intent ${id} not final after 10 blocks`);
  }
  /** A JSON-RPC request to the double signed by `signer` (the header names `claimed`). */
  async function relayCall(method: string, params: unknown[], signer = authKey, claimed: Address = signer.address): Promise<{ status: number; body: { result?: unknown; error?: { code: number; message: string } } }> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const signature = await signer.signMessage({ message: keccak256(stringToHex(body)) });
    const response = await fetch(relay.url, { method: 'POST', headers: { 'content-type': 'application/json', [FLASHBOTS_SIGNATURE_HEADER]: `${claimed}:${signature}` }, body });
    return { status: response.status, body: await response.json() as never };
  }
  /** A transaction of account `index` (its next pending nonce), signed. */
  async function signedTx(index: number, to: Address, data: Hex, tip = 2n * GWEI): Promise<{ raw: Hex; hash: Hex }> {
    const account = devnet.clients.accounts[index]!;
    const nonce = Number(BigInt((await request('eth_getTransactionCount', [account.address, 'pending'])) as Hex));
    const base = (await head()).baseFeePerGas ?? GWEI;
    const raw = await account.signTransaction({ type: 'eip1559', chainId: 31337, nonce, to, data, gas: 3_000_000n, value: 0n, maxFeePerGas: base * 2n + tip, maxPriorityFeePerGas: tip });
    return { raw, hash: keccak256(raw) };
  }

  beforeAll(async () => {
    devnet = await startDevnet({ cacheDir: join(dir, 'cache'), executor: true, executorHotKey: 8, flow: { seed: 5, swapsPerBlock: 6, maxSizeBps: 300, intervalMs: 200 } });
    // The competitor (account 7) holds every token and has approved both routers, while blocks still mine themselves.
    const tokens = [...devnet.seeded.tokenAddress.values()];
    await mintTestTokens(devnet.clients, tokens, competitor().address, 1n << 200n);
    const { abi: erc20 } = await loadArtifact('TestERC20');
    await sendAll(devnet.clients, tokens.flatMap((token) => [devnet.deployment.v2Router, devnet.deployment.swapRouter].map((spender) => ({
      label: `approve ${spender}`, to: token, gas: 100_000n, data: encodeFunctionData({ abi: erc20, functionName: 'approve', args: [spender, maxUint256] }),
    }))), { from: competitor() });
    await devnet.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [false] as never });
    pool = createRpcPool([devnet.anvil.rpcUrl]);
    relay = await startRelayDouble(devnet.anvil.rpcUrl);
    store = await openTestStore(testBackends().at(-1)!);
    engine = await startEngine({
      ...devnetEngineOptions(devnet, store.store, 2n * GWEI),
      protections: engineProtections(store.store, 31337, { limits: { ...DEFAULT_LIMITS, revertBreaker: { consecutive: 1_000_000, window: 50, maxRatePct: 100, cooldownBlocks: 1 }, routeSuppression: { failures: 1_000_000, retryBlocks: 1 } } }).open,
      mode: 'sim', pollIntervalMs: 50, onSimulated: (event) => void simulated.push(event), onOpportunities: (block) => void (scanned = block),
    });
    live = await createLiveExecutor({
      store: store.store, rpc: pool, chainId: 31337, session: null, blockTimeSeconds: 1, priorityFee: 2n * GWEI,
      settings: { account: devnet.clients.accounts[8]!, tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 1, bundle: { relays: [createRelayClient(relay.url, authKey)], blocks: 1 } },
    });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await live?.close();
    await engine?.stop();
    await relay?.stop();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT_MS);

  it('bad input: a relay URL that is not http(s), bundle mode without ORION_RELAY_AUTH_KEY, the hot key as relay key — one clear error each, nothing signed or sent', () => {
    const key = generatePrivateKey();
    const base = { ORION_SUBMIT: 'bundle', ORION_RELAY_AUTH_KEY: key, ORION_DATA_DIR: dir };
    const refused = (env: Record<string, string>): ConfigError => {
      try {
        loadConfig(env, { cwd: dir });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error('the configuration was accepted');
    };
    const badUrl = refused({ ...base, ORION_RELAY_URLS: `${relay.url},ftp://relay.example` });
    expect(badUrl.message).toMatch(/^invalid configuration: ORION_RELAY_URLS=.*has entry 2 \("ftp:\/\/relay\.example"\)/);
    const noKey = refused({ ORION_SUBMIT: 'bundle', ORION_RELAY_URLS: relay.url, ORION_DATA_DIR: dir });
    expect(noKey.message).toMatch(/^invalid configuration: ORION_SUBMIT="bundle" .*ORION_RELAY_AUTH_KEY is unset/);
    const sameKey = refused({ ...base, ORION_RELAY_URLS: relay.url, ORION_PRIVATE_KEY: key });
    expect(sameKey.message).toMatch(/ORION_RELAY_AUTH_KEY=.* is the hot key ORION_PRIVATE_KEY/);
    expect(sameKey.message).not.toContain(key.slice(2));
    // Past the config (a file or a caller that skipped it), the executor's settings refuse the same.
    const received = relay.received.length;
    expect(() => createRelayClient('ws://127.0.0.1:1', authKey)).toThrow(/relay URL "ws:\/\/127\.0\.0\.1:1" uses ws; allowed: http:\/\/ or https:\/\//);
    const hot = devnet.clients.accounts[8]!;
    expect(() => bundleSettings({ submit: 'bundle', relayUrls: [relay.url], relayAuthKey: undefined, bundleBlocks: 3 }, hot)).toThrow(/ORION_RELAY_AUTH_KEY/);
    expect(relay.received.length).toBe(received);
  });

  it('the double refuses unsigned and wrongly signed requests with the relay\'s error', async () => {
    const unsigned = await fetch(relay.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendBundle', params: [] }) });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { error: { message: string } }).error.message).toBe('missing flashbots signature');
    const other = privateKeyToAccount(generatePrivateKey());
    const forged = await relayCall('eth_callBundle', [{ txs: [], blockNumber: '0x1', stateBlockNumber: 'latest' }], other, authKey.address);
    expect(forged.status).toBe(403);
    expect(forged.body.error?.message).toBe('invalid flashbots signature');
  });

  it('target block honoured; a reverting transaction drops the bundle unless listed in revertingTxHashes', async () => {
    const transfer = await signedTx(6, devnet.clients.accounts[6]!.address, '0x');
    const at = (await head()).number;
    expect((await relayCall('eth_sendBundle', [{ txs: [transfer.raw], blockNumber: `0x${(at + 2n).toString(16)}` }])).body.result).toBeDefined();
    await relay.buildBlock();
    expect(await receiptOf(transfer.hash)).toBeNull();
    expect(await request('eth_getTransactionByHash', [transfer.hash])).toBeNull();
    await relay.buildBlock();
    expect(BigInt((await receiptOf(transfer.hash))!.blockNumber)).toBe(at + 2n);

    // A call the executor contract refuses (no such function): it reverts.
    const reverting = await signedTx(6, devnet.executor!.address, '0xdeadbeef');
    const now = (await head()).number;
    const simulation = await relayCall('eth_callBundle', [{ txs: [reverting.raw], blockNumber: `0x${(now + 1n).toString(16)}`, stateBlockNumber: 'latest' }]);
    expect((simulation.body.result as { results: { error?: string }[] }).results[0]!.error).toBe('execution reverted');
    await relayCall('eth_sendBundle', [{ txs: [reverting.raw], blockNumber: `0x${(now + 1n).toString(16)}` }]);
    await relay.buildBlock();
    expect(await receiptOf(reverting.hash)).toBeNull();
    expect(relay.outcomes.at(-1)).toMatchObject({ block: now + 1n, outcome: 'dropped' });
    expect(relay.outcomes.at(-1)!.reason).toContain('reverted');
    await relayCall('eth_sendBundle', [{ txs: [reverting.raw], blockNumber: `0x${(now + 2n).toString(16)}`, revertingTxHashes: [reverting.hash] }]);
    await relay.buildBlock();
    const mined = (await receiptOf(reverting.hash))!;
    expect(BigInt(mined.blockNumber)).toBe(now + 2n);
    expect(BigInt(mined.status)).toBe(0n);

    // A relay without eth_callBundle answers method-not-found: our client takes that as "not offered" and still sends.
    const client = createRelayClient(relay.url, authKey);
    const plain = await signedTx(6, devnet.clients.accounts[6]!.address, '0x');
    relay.offersCallBundle = false;
    try {
      expect(await client.callBundle([plain.raw], now + 3n, now + 2n)).toEqual({ outcome: 'unsupported' });
      expect(await client.sendBundle([plain.raw], now + 3n, 'a0000000-0000-4000-8000-000000000000')).toMatchObject({ ok: true, bundleHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    } finally {
      relay.offersCallBundle = true;
    }
    await relay.buildBlock();
    expect(BigInt((await receiptOf(plain.hash))!.blockNumber)).toBe(now + 3n);
  }, TEST_TIMEOUT_MS);

  it('mode validation in bundle mode: "relays" reports each relay that does not answer', async () => {
    const target = { config: { maxHops: 3, gasLimitMarginBps: 0, gasReserveTxs: 1 } as never, rpcUrl: devnet.anvil.rpcUrl, expectedChainId: 31337, executor: undefined, ...limitsTarget() };
    const up = await validateLive({ ...target, relayUrls: [relay.url] }, store.store);
    expect(up.checks.find((c) => c.name === 'relays')).toEqual({ name: 'relays', ok: true, detail: '1 relay(s) answer' });
    const closed = 'http://127.0.0.1:1';
    const down = await validateLive({ ...target, relayUrls: [relay.url, closed] }, store.store);
    const check = down.checks.find((c) => c.name === 'relays')!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^http:\/\/127\.0\.0\.1:1: unreachable/);
    expect(check.detail).not.toContain(relay.url);
  });

  it('included: the bundle lands in its target block, realized profit equals predicted to the wei, every request carries a signature verified independently', async () => {
    const { plan, head: at } = await nextPlan();
    const sent = await sendLive(plan, at);
    // The relay holds it: not in the public pool before its block is built.
    expect(await request('eth_getTransactionByHash', [sent.txHash])).toBeNull();
    const { rows: submissions } = await store.store.query<{ target_block: bigint; replacement_uuid: string; bundle_hash: string | null; simulation: string }>(
      'select s.* from bundle_submissions s join intent_attempts a on a.id = s.attempt_id where a.intent_id = $1', [sent.intent], { bigint: ['target_block'] });
    expect(submissions.map((s) => s.target_block)).toEqual([at.number + 1n]);
    expect(submissions[0]!.simulation).toBe('ok');
    expect(submissions[0]!.bundle_hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(submissions[0]!.replacement_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const row = await untilFinal(sent.intent);
    const receipt = (await receiptOf(sent.txHash))!;
    expect(BigInt(receipt.blockNumber)).toBe(at.number + 1n);
    expect(BigInt(receipt.status)).toBe(1n);
    expect(BigInt(receipt.transactionIndex)).toBe(0n);
    expect(row['state']).toBe('confirmed');
    expect(row['realized_profit']).toBe(plan.expectedProfit);
    expect(await feedbackOf(sent.intent)).toEqual([]);
    // Our requests: each signed by the relay key, checked here with viem's verifyMessage.
    const ours = relay.received.filter((r) => r.body.includes(sent.txHash.slice(2, 20)) || r.body.includes('eth_callBundle'));
    expect(ours.length).toBeGreaterThan(0);
    for (const r of relay.received.filter((x) => x.signer !== null && x.signatureHeader!.startsWith(authKey.address))) {
      const [address, signature] = r.signatureHeader!.split(':') as [Address, Hex];
      expect(await verifyMessage({ address, message: keccak256(stringToHex(r.body)), signature })).toBe(true);
    }
  }, TEST_TIMEOUT_MS);

  // Before the competitor's test: its swap of what a pool holds moves the pool so far that most plans
  // after it revert for a while (lender balances), and this test needs a profitable plan.
  it('the base fee of the target block above what the bundle bids is recorded as the cause', async () => {
    const { plan, head: at } = await nextPlan();
    const sent = await sendLive(plan, at);
    await request('anvil_setNextBlockBaseFeePerGas', [`0x${(sent.maxFeePerGas + GWEI).toString(16)}`]);
    await mine();
    expect(await receiptOf(sent.txHash)).toBeNull();
    const [first] = await feedbackOf(sent.intent);
    expect(first).toMatchObject({ target_block: at.number + 1n, reason: 'base-fee-above-cap', competitor_tx: null });
    const block = parseBlockHeader(await request('eth_getBlockByNumber', [`0x${(at.number + 1n).toString(16)}`, false]));
    expect(block.baseFeePerGas! > sent.maxFeePerGas).toBe(true);
    expect(first!.detail).toContain(String(block.baseFeePerGas));
    expect(live.status().inclusionFailures['base-fee-above-cap']).toBe(1);
    // The base fee back where the plan found it: left high, it would decay only 12.5 % a block,
    // and the next test hunts for a plan that pays for its gas.
    await request('anvil_setNextBlockBaseFeePerGas', [`0x${at.baseFeePerGas!.toString(16)}`]);
  }, TEST_TIMEOUT_MS);

  it('a competing transaction that moves the route\'s pools first is named as the cause (its hash and sender); the bundle is re-targeted on the same nonce', async () => {
    // The last test's intent settles first (re-targeted, then cancelled at its deadline): a plan
    // found in the block its cancellation is sent in would find the account busy.
    for (let i = 0; i < 10 && live.status().openIntents > 0; i++) await mine();
    expect(live.status().openIntents).toBe(0);
    const { plan, head: at } = await nextPlan();
    const sent = await sendLive(plan, at);
    const hop = plan.hops[0]!;
    const pool = devnet.seeded.localSnapshot.pools.find((p) => p.address.toLowerCase() === hop.pool.toLowerCase())!;
    // As much of the input token as the pool holds: the price moves far past any gap the plan
    // could close (a multiple of the plan's own input is not enough when a lender's capacity
    // capped that input well below the gap's size).
    const held = BigInt((await request('eth_call', [{ to: hop.tokenIn, data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [hop.pool] }) }, 'latest'])) as string);
    const amountIn = held > hop.amountIn * 10n ? held : hop.amountIn * 10n;
    const data = pool.protocol === 'uniswap-v2'
      ? v2ExactInputCalldata(amountIn, [hop.tokenIn, hop.tokenOut], competitor().address)
      : v3ExactInputCalldata({ tokenIn: hop.tokenIn, tokenOut: hop.tokenOut, fee: pool.fee, recipient: competitor().address, amountIn });
    const router = pool.protocol === 'uniswap-v2' ? devnet.deployment.v2Router : devnet.deployment.swapRouter;
    // A higher tip than ours can be (above our whole fee cap per gas): the builder orders it first
    // in the target block, whatever share of the plan's profit our tip is.
    const rival = await signedTx(7, router, data, sent.maxFeePerGas + 100n * GWEI);
    await request('eth_sendRawTransaction', [rival.raw]);
    await mine();
    expect(await receiptOf(sent.txHash)).toBeNull();
    expect(BigInt((await receiptOf(rival.hash))!.blockNumber)).toBe(at.number + 1n);
    const [first] = await feedbackOf(sent.intent);
    expect(first).toMatchObject({
      target_block: at.number + 1n, submission: 'bundle', reason: 'pools-moved-first',
      competitor_tx: rival.hash, competitor_sender: competitor().address.toLowerCase(),
    });
    expect(first!.detail).toContain(rival.hash);
    const row = await untilFinal(sent.intent);
    expect(row['state']).toBe('dropped');
    // Every target block it missed has its reason; one signed execution, re-targeted, never a second nonce.
    const feedback = await feedbackOf(sent.intent);
    expect(feedback.map((f) => f.target_block)).toEqual([at.number + 1n, at.number + 2n]);
    // Re-targeted at block +1: the relay simulates on that block's state, where the pools have moved.
    const { rows: retarget } = await store.store.query<{ simulation: string; simulation_error: string | null; bundle_hash: string | null }>(
      "select s.* from bundle_submissions s join intent_attempts a on a.id = s.attempt_id where a.intent_id = $1 and s.target_block = $2", [sent.intent, at.number + 2n]);
    expect(retarget).toHaveLength(1);
    if (retarget[0]!.simulation === 'reverted') {
      expect(feedback[1]!.reason).toBe('simulation-reverted');
      expect(feedback[1]!.detail).toContain(retarget[0]!.simulation_error!);
      expect(retarget[0]!.bundle_hash).toBeNull();
    } else {
      expect(feedback[1]!.reason).not.toBe('simulation-reverted');
    }
    const { rows: attempts } = await store.store.query<{ kind: string }>('select kind from intent_attempts where intent_id = $1 order by id', [sent.intent]);
    expect(attempts.map((a) => a.kind)).toEqual(['execute', 'cancel']);
    const { rows: targeted } = await store.store.query<{ target_block: bigint }>(
      "select distinct s.target_block from bundle_submissions s join intent_attempts a on a.id = s.attempt_id where a.intent_id = $1 and a.kind = 'execute' order by 1", [sent.intent], { bigint: ['target_block'] });
    expect(targeted.map((t) => t.target_block)).toEqual([at.number + 1n, at.number + 2n]);
    expect(live.status().inclusionFailures['pools-moved-first']).toBeGreaterThanOrEqual(1);
  }, TEST_TIMEOUT_MS);

});
