import { getAddress, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClients, type ChainClients } from '../chain/clients.ts';
import { parseBlockHeader, type BlockHeader } from '../chain/types.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import type { HexAddress } from '../market/snapshot.ts';
import { buildPlan, DEFAULT_PLAN_SETTINGS, type Plan } from '../orchestrator/plan.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import { ROUTE_GAS } from '../scanner/gas-table.ts';
import type { FlashKind, RouteHop } from './route-codec.ts';
import { createSimExecutor } from './sim.ts';
import { ERC20_ABI, send, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { fixtureFlash, fixtureRoutes, flashFee, predictOutput, type RouteShape } from './testing/fixture-routes.ts';

// The sim executor on the real contract, Uniswap, Balancer and Aave bytecode: what the contract
// reports for each plan must be the exact prediction of src/amm (read hop by hop from the chain
// by the fixture), and a plan whose pools moved must come back as the revert it would be.

const SHAPES: RouteShape[] = ['v2,v2', 'v2,v2,v2', 'v3,v3', 'v3,v3,v3', 'v2,v3', 'v3,v2', 'v2,v3,v2', 'v3,v2,v3'];
const SOURCES: FlashKind[] = ['none', 'v2-flash-swap', 'v3-flash', 'balancer', 'aave'];
const CASES = SHAPES.flatMap((shape) => SOURCES.filter((kind) => kind !== 'v2-flash-swap' || shape.startsWith('v2')).map((kind) => [shape, kind] as const));
const AMOUNT_IN = 10n * 10n ** 18n;
const GAS_PRICE = 2n * 10n ** 9n;
const lower = (a: Address) => a.toLowerCase() as HexAddress;

describe('sim executor: the exact transaction, simulated on the next block', () => {
  let f: ExecutorFixture;
  let chain: ChainClients;
  const head = async (): Promise<BlockHeader> => parseBlockHeader(await chain.pool.request('eth_getBlockByNumber', ['latest', false]));

  /** The opportunity the scanner would hand over for this route, predicted hop by hop from the chain. */
  async function opportunityOf(route: readonly RouteHop[], kind: FlashKind): Promise<LentOpportunity> {
    const amounts = [AMOUNT_IN];
    for (let h = 0; h < route.length; h++) amounts.push(await predictOutput(f, route.slice(h, h + 1), amounts[h]!));
    const amountOut = amounts[route.length]!;
    const fee = flashFee(f, kind, AMOUNT_IN);
    const gasUnits = ROUTE_GAS[route.map((hop) => hop.protocol).join(',')]![kind]!;
    const lender = fixtureFlash(f, kind, route)!;
    const flashLender = kind === 'none' ? null : kind === 'v2-flash-swap' ? lower(route[0]!.pool) : lower(lender.lender!);
    return {
      cycle: 0, block: null, pools: route.map((hop) => lower(hop.pool)), protocols: route.map((hop) => (hop.protocol === 'v2' ? 'uniswap-v2' : 'uniswap-v3')),
      fees: route.map((hop) => hop.fee), tokens: [...route.map((hop) => lower(hop.tokenIn)), lower(route[0]!.tokenIn)], amounts,
      amountIn: AMOUNT_IN, amountOut, profit: amountOut - AMOUNT_IN, flashSource: { kind, pool: flashLender, feePips: 0 }, flashFee: fee,
      gasUnits, gasCost: gasUnits * GAS_PRICE, netProfit: amountOut - AMOUNT_IN - fee - gasUnits * GAS_PRICE, flashLender,
    };
  }

  async function planOf(shape: RouteShape, kind: FlashKind, at: BlockHeader): Promise<Plan> {
    return buildPlan(await opportunityOf(fixtureRoutes(f)[shape], kind), {
      block: { number: at.number, hash: at.hash }, nextBaseFee: at.baseFeePerGas, gasPrice: GAS_PRICE, executor: f.executor, from: f.hotKey,
    }, { ...DEFAULT_PLAN_SETTINGS, gasBid: { priorityFee: 10n ** 9n } });
  }

  beforeAll(async () => {
    f = await startExecutorFixture();
    chain = createChainClients([f.anvil.rpcUrl]);
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('reports, for every route shape and flash source, the profit the contract makes to the wei, and gas within the plan', async () => {
    const at = await head();
    const plans = await Promise.all(CASES.map(([shape, kind]) => planOf(shape, kind, at)));
    const sim = createSimExecutor({ rpc: chain.pool, blockTimeSeconds: 12 });
    const results = await sim.run(plans, at);
    expect(results).toHaveLength(CASES.length);
    results.forEach((result, i) => {
      const [shape, kind] = CASES[i]!;
      expect(result.status, `${shape} via ${kind}: ${result.error ?? result.revert?.name}`).toBe('ok');
      expect(result.profit, `${shape} via ${kind}`).toBe(result.plan.expectedProfit);
      expect(result.profit! > 0n).toBe(true);
      expect(result.stateBlock).toEqual({ number: at.number, hash: at.hash });
      expect(result.asBlock).toBe(at.number + 1n);
      // The gas table is measured at or just above what a first swap in a block costs (< 3 %);
      // the call itself also pays the transaction's intrinsic gas, which the table includes.
      expect(result.gasUsed! <= result.plan.gasUnits, `${shape} via ${kind}: ${result.gasUsed} > table ${result.plan.gasUnits}`).toBe(true);
      expect(result.gasUsed! * 100n >= result.plan.gasUnits * 97n, `${shape} via ${kind}: ${result.gasUsed} far below table ${result.plan.gasUnits}`).toBe(true);
      expect(result.gasUsed! < result.plan.gasLimit).toBe(true);
    });
    // A simulation changes nothing on chain.
    expect((await head()).number).toBe(at.number);
  });

  it('simulates a plan of block N at N + 1 after a trade moved its pools: InsufficientProfit with both numbers', async () => {
    const route = fixtureRoutes(f)['v2,v2'];
    const router = f.uni.v2Router;
    await send(f.clients, f.tokens.a, ERC20_ABI, 'approve', [router, 2n ** 255n]);
    const before = await head();
    const plan = await planOf('v2,v2', 'v2-flash-swap', before);
    // Someone else trades the gap away in the next block: A sold into the pair the route sells A to.
    await send(f.clients, router, uniswapArtifact('UniswapV2Router02').abi, 'swapExactTokensForTokens', [60n * 10n ** 18n, 0n, [f.tokens.a, f.tokens.base], f.clients.accounts[0]!.address, 2n ** 64n]);
    const moved = await head();
    expect(moved.number).toBe(before.number + 1n);
    // What the contract would now make, predicted independently from the moved state.
    const actual = (await predictOutput(f, route, AMOUNT_IN)) - AMOUNT_IN;
    expect(actual < plan.minProfit).toBe(true);

    const [result] = await createSimExecutor({ rpc: chain.pool, blockTimeSeconds: 12 }).run([plan], moved);
    expect(result!.status).toBe('reverted');
    expect(result!.stateBlock.number).toBe(moved.number);
    expect(result!.revert!.name).toBe('InsufficientProfit');
    expect(result!.revert!.args).toEqual([actual, plan.minProfit]);
  });

  it('reports a plan past its deadline as DeadlineExpired, and the hot key not allowed as NotExecutor', async () => {
    const at = await head();
    const plan = await planOf('v3,v3', 'balancer', at);
    const sim = createSimExecutor({ rpc: chain.pool, blockTimeSeconds: 12 });
    const late = { ...at, number: at.number }; // the plan's deadline is at + 2: simulate 3 blocks on by mining
    for (let i = 0; i < 2; i++) await chain.pool.request('evm_mine', []);
    const [expired] = await sim.run([plan], await head());
    expect(expired!.revert).toMatchObject({ name: 'DeadlineExpired', args: [plan.deadlineBlock, late.number + 3n] });
    const stranger = getAddress(f.clients.accounts[7]!.address);
    const [refused] = await sim.run([{ ...plan, from: stranger, deadlineBlock: plan.deadlineBlock }], at);
    // (simulated on the older block `at`, inside the deadline: the only fault is the caller)
    expect(refused!.revert).toMatchObject({ name: 'NotExecutor', args: [stranger] });
  });
});
