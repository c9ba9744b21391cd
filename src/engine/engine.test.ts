import { engineProtections, PERMISSIVE_LIMITS } from '../risk-controls/testing/engine-protections.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClients, type ChainClients } from '../chain/clients.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader, toQuantity, type BlockHeader } from '../chain/types.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { readFunnel } from '../ledger/funnel.ts';
import { snapshotFromChain } from '../market/chain-snapshot.ts';
import { Scanner } from '../scanner/scanner.ts';
import type { Opportunity } from '../scanner/types.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { openTestStore, testBackends, type TestStore } from '../store/test-store.ts';
import { DEFAULT_PLAN_SETTINGS, type Plan } from '../orchestrator/plan.ts';
import { startEngine, type Engine, type EngineOptions } from './engine.ts';
import { engineView } from './status-view.ts';
import { TokenDirectory } from '../format/symbols.ts';

const BASES = ['WETH', 'USDC', 'USDT'];
/** Not anvil's suggested 1 gwei, so a price taken from eth_gasPrice would show. */
const PRIORITY_FEE = 1_500_000_000n;
/** The embedded local chain deploys no Balancer Vault and no Aave Pool. */
const NO_LENDERS = { balancerFeePips: null, aaveFeePips: null };

/** Block `number` once it is mined (the chain mines an empty block every second). */
async function waitForBlock(clients: ChainClients, number: bigint): Promise<BlockHeader> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const raw = await clients.pool.request('eth_getBlockByNumber', [toQuantity(number), false]);
    if (raw !== null && raw !== undefined) return parseBlockHeader(raw);
    if (Date.now() > deadline) throw new Error(`block ${number} was not mined within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Blocks the sim runs for with the noise flow before the checks. */
const SIM_BLOCKS = 50n;
/** JSON-RPC methods that send or sign: the sim must never call one. */
const SENDING = ['eth_sendRawTransaction', 'eth_sendTransaction', 'eth_sendBundle', 'eth_signTransaction', 'eth_sign', 'mev_sendBundle'];

describe('engine (sim): market → rank → decide → simulate → record on the local chain', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine;
  let proxy: FaultInjectingProxy;
  const dir = mkdtempSync(join(tmpdir(), 'orion-engine-'));
  /** Per block (hash): its plans as decided, and the plans of each simulated part in order. */
  const blockPlans = new Map<string, { decided: Plan[]; bestPlanned: boolean; parts: Plan[][] }>();
  const blockOf = (hash: string) => blockPlans.get(hash) ?? blockPlans.set(hash, { decided: [], bestPlanned: false, parts: [] }).get(hash)!;
  // Every request goes over HTTP through a recording proxy (polling heads, no WebSocket), so
  // everything the engine asked of the chain is in `proxy.forwardedCalls`.
  const options = (): EngineOptions => ({
    store: store.store,
    mode: 'sim',
    rpcUrls: [proxy.url],
    expectedChainId: 31337,
    pools: devnet.seeded.localSnapshot.pools,
    baseTokens: BASES,
    maxHops: 3,
    maxStaleBlocks: 5,
    gasBid: { priorityFee: PRIORITY_FEE },
    execution: { executor: devnet.executor!.address, hotKey: devnet.executor!.hotKey },
    plan: DEFAULT_PLAN_SETTINGS,
    blockTimeSeconds: 1,
    spillDir: dir,
    protections: engineProtections(store.store, 31337, { dataDir: dir, limits: PERMISSIVE_LIMITS }).open,
    onDecided: (event) => {
      Object.assign(blockOf(event.header.hash), { decided: event.plans, bestPlanned: event.sightings[0]?.decision?.outcome === 'planned' });
    },
    onSimulated: (event) => {
      blockOf(event.header.hash).parts.push([...event.results.map((r) => r.plan), ...event.skipped.map((s) => s.plan)]);
    },
  });

  beforeAll(async () => {
    // Big noise swaps so real gaps open within a few blocks; our executor deployed.
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, flow: { seed: 7, swapsPerBlock: 6, maxSizeBps: 300 } });
    proxy = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
    // The ledger on the real PostgreSQL server when there is one (CI), else PGlite.
    store = await openTestStore(testBackends().at(-1)!);
    engine = await startEngine(options());
  });
  afterAll(async () => {
    await engine?.stop();
    await store?.cleanup();
    await proxy?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`over ${SIM_BLOCKS} blocks of noise trades: detects, plans, simulates on the real contract and records, and never sends`, async () => {
    const clients = createChainClients([devnet.anvil.rpcUrl]);
    const blockNumber = async () => BigInt((await clients.pool.request('eth_blockNumber', [])) as string);
    const start = await blockNumber();
    while ((await blockNumber()) < start + SIM_BLOCKS) await new Promise((r) => setTimeout(r, 250));
    // Quiet the market before comparing the engine's counts with the ledger: with the flow
    // stopped and its last swaps mined, later blocks change no pool, so no new opportunity,
    // decision or simulation can arrive between reading the counts and reading the tables.
    await devnet.flow!.stop();
    const quiet = (await blockNumber()) + 2n;
    while (engine.status().market.monitor.tip.number < quiet) await new Promise((r) => setTimeout(r, 250));
    await engine.settle();
    const ledgerSettled = engine.status().ledger;
    const funnel = engine.funnel();
    expect(funnel.detected).toBeGreaterThan(0);
    expect(funnel.planned).toBeGreaterThan(0);
    expect(funnel.simulated.ok).toBeGreaterThan(0);

    // The recording proxy saw simulations and no send of any kind.
    const methods = proxy.forwardedCalls.flat();
    expect(methods).toContain('eth_simulateV1');
    expect(methods.filter((m) => SENDING.includes(m))).toEqual([]);

    // The ledger holds what the engine counted (written in the background, settled above).
    const db = store.store;
    const session = engine.session.id;
    const count = async (sql: string) => Number((await db.query(sql, [session])).rows[0]!['n']);
    expect(await count('select count(*) as n from opportunities where mode_session = $1')).toBe(funnel.detected);
    expect(await count("select count(*) as n from decisions where mode_session = $1 and outcome = 'planned'")).toBe(funnel.planned);
    expect(await count("select count(*) as n from simulations where mode_session = $1 and status = 'ok'")).toBe(funnel.simulated.ok);
    expect(await readFunnel(db, session)).toEqual(funnel);
    expect(ledgerSettled).toMatchObject({ pendingRows: 0, failing: null });

    // Every simulation that ran on the state its plan was made at reports exactly the predicted
    // profit; one that ran on a later state (the head moved on) is the revert a moved pool gives.
    const { rows } = await db.query(
      `select d.block, s.status, s.state_block, s.predicted_profit, s.simulated_profit, s.gas_used, s.gas_limit, s.revert_name, s.revert_args, o.protocols, o.flash_kind, o.pools, o.amounts
       from simulations s join decisions d on d.id = s.decision_id join opportunities o on o.id = s.opportunity_id where s.mode_session = $1`,
      [session], { bigint: ['block', 'state_block', 'predicted_profit', 'simulated_profit', 'gas_used', 'gas_limit'] },
    );
    const sameState = rows.filter((r) => r['state_block'] === r['block']);
    expect(sameState.length).toBeGreaterThan(0);
    // Every plan simulated on the state it was made at succeeds and pays exactly what was
    // predicted. This market used to refuse most of them (src/orchestrator/README.md, "Known
    // gaps"): a V3 lender short of the amount ("TF" at the loan) and routes crossing more ticks
    // than the gas table paid for (OutOfGas); the scanner now caps a V3 loan at what the pool
    // holds and prices every crossing, so neither may come back.
    for (const r of sameState) {
      expect(r['status'], `simulation at the plan's own block: ${String(r['revert_name'])} ${JSON.stringify(r['revert_args'])} gas ${String(r['gas_used'])} of ${String(r['gas_limit'])} ${JSON.stringify(r['pools'])} ${String(r['flash_kind'])}`).toBe('ok');
      expect(r['simulated_profit']).toBe(r['predicted_profit']);
      expect((r['gas_used'] as bigint) <= (r['gas_limit'] as bigint)).toBe(true);
    }
    // A block whose plans waited while the executor was busy and a newer block came is skipped
    // (a loaded machine gets there): recorded without a state, never simulated.
    for (const r of rows.filter((row) => row['status'] === 'skipped')) expect(r['state_block']).toBeNull();
    for (const r of rows.filter((row) => row['status'] !== 'ok' && row['status'] !== 'skipped' && row['state_block'] !== row['block'])) {
      expect(r['state_block'] as bigint).toBeGreaterThan(r['block'] as bigint);
      expect(['InsufficientProfit', 'Error']).toContain(r['revert_name']);
    }
    // The routes simulated cover V2-only, V3-only or mixed shapes and more than one flash source kind.
    const shapes = new Set(rows.map((r) => (r['protocols'] as string[]).map((p) => p.slice(-2)).sort().join(',')));
    const kinds = new Set(rows.map((r) => r['flash_kind']));
    // A block whose best opportunity was planned (not seen unchanged before) handed that plan to
    // the executor alone, before the rest of the block was ranked: its own simulated part, unless
    // it was still waiting for the executor when the rest came (then one run, best first). Every
    // block's plans came out once each, simulated or skipped (a part skipped for a newer block
    // comes out when skipped, which can be before the part ahead of it is done).
    let bestAlone = 0;
    let bestWithOthers = 0;
    for (const { decided, bestPlanned, parts } of blockPlans.values()) {
      if (decided.length === 0) continue;
      expect(new Set(parts.flat())).toEqual(new Set(decided));
      expect(parts.flat().length).toBe(decided.length);
      if (!bestPlanned || decided.length < 2) continue;
      bestWithOthers += 1;
      if (parts.some((part) => part.length === 1 && part[0] === decided[0])) bestAlone += 1;
    }
    expect(bestWithOthers).toBeGreaterThan(0);
    expect(bestAlone).toBeGreaterThan(bestWithOthers / 2);
    console.log(`sim over ${SIM_BLOCKS} blocks: ${JSON.stringify(funnel.simulated)}, best plan alone in ${bestAlone} of ${bestWithOthers} blocks, ${sameState.length} same-block simulations all ok, shapes ${[...shapes].join(' | ')}, flash ${[...kinds].join(', ')}`);
    expect(shapes.size).toBeGreaterThan(1);
  });

  it('survives a restart: the same mode session continues, the funnel read back from the ledger', async () => {
    await engine.settle();
    const before = structuredClone(engine.funnel());
    const session = engine.session.id;
    const stopped = await engine.stop();
    expect(stopped).toEqual({ unwritten: 0, spillFile: null });
    engine = await startEngine(options());
    expect(engine.session.id).toBe(session);
    expect(engine.session.resumed).toBe(true);
    // Counting goes on from the ledger's numbers (blocks may already have added to them).
    const after = engine.funnel();
    expect(after.detected).toBeGreaterThanOrEqual(before.detected);
    expect(after.simulated.ok).toBeGreaterThanOrEqual(before.simulated.ok);
    expect(await readFunnel(store.store, session)).toMatchObject({ planned: expect.any(Number) });
    const fresh = await readFunnel(store.store, session);
    expect(fresh.detected).toBeGreaterThanOrEqual(before.detected);
  });

  it('after blocks of noise trades, ranks exactly what a fresh scan of the chain ranks', async () => {
    const clients = createChainClients([devnet.anvil.rpcUrl]);
    const blockNumber = async () => BigInt((await clients.pool.request('eth_blockNumber', [])) as string);
    await devnet.flow!.stop();
    expect(devnet.flow!.stats.swaps).toBeGreaterThan(20);

    // Once the flow is quiet, let the engine reach the head; the state no longer changes.
    const head = await blockNumber();
    const deadline = Date.now() + 30_000;
    while (engine.status().market.monitor.tip.number < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.status().market.monitor.tip.number).toBeGreaterThanOrEqual(head);

    const { snapshot } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: devnet.seeded.localSnapshot.pools.map((p) => p.address), v2Fee: 3000 });
    // Status and top are read in one synchronous stretch, so they belong to the same block.
    const status = engine.status();
    const top = engine.top();
    const fresh = new Scanner(snapshot, { bases: BASES, maxHops: 3, gasPrice: BigInt(status.gasPrice), flash: NO_LENDERS });
    fresh.scanAll();
    const key = (o: Opportunity) => `${o.pools.join('>')} in ${o.amountIn} out ${o.amountOut} ${o.flashSource.kind} fee ${o.flashFee} net ${o.netProfit}`;
    const expected = fresh.top(10).map(key);
    expect(expected.length).toBeGreaterThan(0);
    expect(top.map(key)).toEqual(expected);
    expect(status.scanner.ranked).toBe(fresh.stats().ranked);

    // The gas price was the next block's base fee + the priority fee, known before that block was mined.
    expect(status.gas).toMatchObject({ source: 'base-fee', priorityFee: PRIORITY_FEE.toString(), maxFeePerGas: null, pricedOut: false });
    const next = await waitForBlock(clients, BigInt(status.gas.block) + 1n);
    expect(next.baseFeePerGas).not.toBeNull();
    expect(status.gas.nextBaseFee).toBe(next.baseFeePerGas!.toString());
    expect(BigInt(status.gasPrice)).toBe(next.baseFeePerGas! + PRIORITY_FEE);

    // No lender that is not on this chain: V3-first cycles borrow from an off-route V3 pool's
    // flash or use own capital; every lender named is a pool of the chain, never on the route
    // (except a V2 first hop lending its own input as a flash swap).
    const kinds = new Set<string>();
    for (let c = 0; c < fresh.stats().cycles; c++) kinds.add(fresh.flash.of(c).kind);
    expect(kinds.has('balancer') || kinds.has('aave')).toBe(false);
    expect(kinds.has('v3-flash')).toBe(true);
    const poolAddresses = new Set<string>(devnet.seeded.localSnapshot.pools.map((p) => p.address));
    for (const { flashSource, flashLender, pools } of top) {
      expect(['v2-flash-swap', 'v3-flash', 'none']).toContain(flashSource.kind);
      if (flashSource.kind === 'none') expect(flashLender).toBeNull();
      if (flashSource.kind === 'v2-flash-swap') expect(flashLender).toBe(pools[0]);
      if (flashSource.kind === 'v3-flash') {
        expect(poolAddresses.has(flashLender!), `lender ${flashLender}`).toBe(true);
        expect(pools).not.toContain(flashLender);
      }
    }
    // /health shows each one's flash source: kind, lender address, fee.
    const view = engineView(engine, new TokenDirectory([]));
    expect((view['top'] as Record<string, unknown>[]).map((json) => json['flashSource'])).toEqual(top.map((o) => ({ kind: o.flashSource.kind, lender: o.flashLender, feePips: o.flashSource.feePips })));

    // And each hop of the best opportunities is what the real contracts quote for it now:
    // Router02.getAmountsOut for a V2 pair, QuoterV2 for a V3 pool.
    const { publicClient } = devnet.clients;
    const byAddress = new Map(devnet.seeded.localSnapshot.pools.map((pool) => [pool.address, pool]));
    for (const opportunity of top.slice(0, 3)) {
      for (let hop = 0; hop < opportunity.pools.length; hop++) {
        const pool = byAddress.get(opportunity.pools[hop]!)!;
        const tokenIn = opportunity.tokens[hop]! as `0x${string}`;
        const tokenOut = opportunity.tokens[hop + 1]! as `0x${string}`;
        const amountIn = opportunity.amounts[hop]!;
        const quoted = pool.protocol === 'uniswap-v2'
          ? ((await publicClient.readContract({
              address: devnet.deployment.v2Router, abi: uniswapArtifact('UniswapV2Router02').abi, functionName: 'getAmountsOut', args: [amountIn, [tokenIn, tokenOut]],
            })) as readonly bigint[])[1]
          : ((await publicClient.readContract({
              address: devnet.deployment.quoterV2, abi: uniswapArtifact('QuoterV2').abi, functionName: 'quoteExactInputSingle',
              args: [{ tokenIn, tokenOut, fee: pool.fee, amountIn, sqrtPriceLimitX96: 0n }],
            })) as readonly bigint[])[0];
        expect(quoted, `hop ${hop} of ${opportunity.pools.join('>')}`).toBe(opportunity.amounts[hop + 1]);
      }
    }
  });

  it('refuses a configured lender that has no contract on the chain', async () => {
    const nowhere = `0x${'ba'.repeat(20)}` as const;
    await expect(startEngine({ ...options(), flashLenders: { balancerVault: nowhere } })).rejects.toThrow(`the Balancer Vault (ORION_BALANCER_VAULT) ${nowhere} has no contract code on chain 31337`);
  });
});
