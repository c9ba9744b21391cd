import { encodeFunctionData, zeroAddress, type Address, type Hex } from 'viem';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { balanceOf, revertTo, snapshot, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { deadlineAhead, executeOk, fixtureFlash, fixtureRoutes, predictProfit, type RouteShape } from './testing/fixture-routes.ts';
import { setBalancerFlashFee } from '../devnet/lenders/balancer.ts';
import { ROUTE_GAS, routeGasUnits, type HopKind } from '../scanner/gas-table.ts';
import { outcomeOf } from './testing/attack-fixture.ts';
import { decodeExecutedEvents, encodeExecute, executeArgs, type FlashKind, type RouteHop } from './route-codec.ts';

// Every profitable shape through every flash source that can serve it, on the real Uniswap,
// Balancer and Aave bytecode: the realized profit must equal the exact prediction to the wei.

const SHAPES: RouteShape[] = ['v2,v2', 'v2,v2,v2', 'v3,v3', 'v3,v3,v3', 'v2,v3', 'v3,v2', 'v2,v3,v2', 'v3,v2,v3'];
const SOURCES: FlashKind[] = ['none', 'v2-flash-swap', 'v3-flash', 'balancer', 'aave'];
const AMOUNT_IN = 10n * 10n ** 18n;
const CASES = SHAPES.flatMap((shape) => SOURCES.filter((kind) => kind !== 'v2-flash-swap' || shape.startsWith('v2')).map((kind) => [shape, kind] as const));

describe('FlashArbExecutor: profitable cycles through every flash source', () => {
  let f: ExecutorFixture;
  let snap: Hex;
  const gas = new Map<string, bigint>();
  beforeAll(async () => {
    f = await startExecutorFixture();
  });
  afterAll(async () => {
    if (gas.size > 0) console.log(`executor gas by shape and source:\n${[...gas].map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    await f?.stop();
  });
  beforeEach(async () => {
    snap = await snapshot(f.clients);
  });
  afterEach(async () => {
    await revertTo(f.clients, snap);
  });

  it.each(CASES)('%s via %s: realized profit equals the prediction to the wei', async (shape, kind) => {
    const route = fixtureRoutes(f)[shape];
    const flash = fixtureFlash(f, kind, route)!;
    const predicted = await predictProfit(f, route, AMOUNT_IN, kind);
    expect(predicted).toBeGreaterThan(0n);
    const before = await balanceOf(f.clients, f.tokens.base, f.executor);
    const receipt = await executeOk(f, { route, amountIn: AMOUNT_IN, minProfit: predicted, deadlineBlock: await deadlineAhead(f), flash });
    const after = await balanceOf(f.clients, f.tokens.base, f.executor);
    expect(after - before).toBe(predicted);
    const [event, ...more] = decodeExecutedEvents(receipt.logs, f.executor);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ profit: predicted, amountIn: AMOUNT_IN, flash: kind, hopCount: route.length, baseToken: f.tokens.base, caller: f.hotKey });
    gas.set(`${shape} ${kind}`, receipt.gasUsed);
  });

  it('the scanner gas table carries every (shape, flash source) measured here, never below the measurement and < 3 % over it', async () => {
    // Every case this suite runs has an entry, and every entry is one of these cases.
    const entries = Object.entries(ROUTE_GAS).flatMap(([shape, bySource]) => Object.keys(bySource).map((kind) => `${shape} ${kind}`));
    expect(entries.sort()).toEqual(CASES.map(([shape, kind]) => `${shape} ${kind}`).sort());
    for (const [shape, kind] of CASES) {
      const route = fixtureRoutes(f)[shape];
      const id = await snapshot(f.clients);
      const receipt = await executeOk(f, { route, amountIn: AMOUNT_IN, minProfit: 1n, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, kind, route)! });
      await revertTo(f.clients, id);
      const table = routeGasUnits(shape.split(',') as HopKind[], kind);
      const over = Number(table - receipt.gasUsed) / Number(receipt.gasUsed);
      expect(over, `${shape} via ${kind}: table ${table}, measured ${receipt.gasUsed}`).toBeGreaterThanOrEqual(0);
      expect(over, `${shape} via ${kind}: table ${table}, measured ${receipt.gasUsed}`).toBeLessThan(0.03);
    }
  });

  it('Balancer with a governance-set 0.5 % flash fee: the executor repays the fee the Vault charges, profit still exact', async () => {
    await setBalancerFlashFee(f.clients, f.balancer, 5n * 10n ** 15n);
    const route = fixtureRoutes(f)['v3,v2,v3'];
    // FixedPoint.mulUp of the Vault: the fee rounds up.
    const fee = (AMOUNT_IN * 5n * 10n ** 15n - 1n) / 10n ** 18n + 1n;
    const predicted = (await predictProfit(f, route, AMOUNT_IN, 'balancer')) - fee;
    const before = await balanceOf(f.clients, f.tokens.base, f.executor);
    await executeOk(f, { route, amountIn: AMOUNT_IN, minProfit: predicted, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, 'balancer', route)! });
    expect(await balanceOf(f.clients, f.tokens.base, f.executor)).toBe(before + predicted);
  });

  it.each(SOURCES)('writes no storage of its own on the hot path (%s): only transient state', async (kind) => {
    const route = fixtureRoutes(f)['v2,v3'];
    const receipt = await executeOk(f, { route, amountIn: AMOUNT_IN, minProfit: 1n, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, kind, route)! });
    const diff = (await f.clients.publicClient.request({
      method: 'debug_traceTransaction' as never,
      params: [receipt.transactionHash, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }] as never,
    })) as { post: Record<string, { storage?: Record<string, string> }> };
    // The tracer does report storage writes: the base token's balances changed.
    expect(Object.keys(diff.post[f.tokens.base.toLowerCase()]?.storage ?? {}).length).toBeGreaterThan(0);
    expect(diff.post[f.executor.toLowerCase()]?.storage).toBeUndefined();
  });

  it('refuses, on chain and without the codec, routes and sources it cannot run: InvalidRoute, InvalidFlashSource, ZeroAmount', async () => {
    const routes = fixtureRoutes(f);
    const raw = async (route: RouteHop[], flash: { kind: number; lender: Address }, amountIn = AMOUNT_IN) => {
      const args = executeArgs({ route: routes['v2,v2'], amountIn: 1n, minProfit: 0n, deadlineBlock: await deadlineAhead(f), flash: { kind: 'none' } });
      const hops = route.map((h) => ({ ...h, protocol: h.protocol === 'v2' ? 0 : 1 }));
      const data = encodeFunctionData({ abi: flashArbExecutorAbi, functionName: 'execute', args: [hops, amountIn, 0n, args[3], flash] });
      return outcomeOf(f, f.hotKey, f.executor, data);
    };
    const v3 = routes['v3,v3'];
    expect(await raw(v3, { kind: 2, lender: v3[1]!.pool })).toEqual({ name: 'InvalidFlashSource', args: [2, v3[1]!.pool] });
    expect(await raw(routes['v2,v2'], { kind: 1, lender: f.pools.v2AB })).toEqual({ name: 'InvalidFlashSource', args: [1, f.pools.v2AB] });
    expect(await raw(v3, { kind: 1, lender: v3[0]!.pool })).toEqual({ name: 'InvalidFlashSource', args: [1, v3[0]!.pool] });
    expect(await raw(v3, { kind: 3, lender: zeroAddress })).toEqual({ name: 'InvalidFlashSource', args: [3, zeroAddress] });
    expect(await raw(v3, { kind: 9, lender: f.balancer.vault })).toEqual({ name: 'InvalidFlashSource', args: [9, f.balancer.vault] });
    expect(await raw([v3[0]!], { kind: 0, lender: zeroAddress })).toEqual({ name: 'InvalidRoute', args: [1n] });
    expect(await raw([v3[0]!, routes['v3,v3,v3'][2]!], { kind: 0, lender: zeroAddress })).toEqual({ name: 'InvalidRoute', args: [1n] });
    expect(await raw([v3[0]!, routes['v3,v3,v3'][1]!], { kind: 0, lender: zeroAddress })).toEqual({ name: 'InvalidRoute', args: [1n] });
    expect(await raw(v3, { kind: 0, lender: zeroAddress }, 0n)).toEqual({ name: 'ZeroAmount', args: [] });
  });

  it('asks one wei more than the cycle makes: InsufficientProfit(actual = the prediction, minimum = it + 1), and the transaction reverts', async () => {
    const route = fixtureRoutes(f)['v2,v3'];
    const predicted = await predictProfit(f, route, AMOUNT_IN, 'balancer');
    const params = { route, amountIn: AMOUNT_IN, minProfit: predicted + 1n, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, 'balancer', route)! };
    // Any other revert (a bad route, an expired deadline, a failed repay) would fail here.
    expect(await outcomeOf(f, f.hotKey, f.executor, encodeExecute(params))).toEqual({ name: 'InsufficientProfit', args: [predicted, predicted + 1n] });
    await expect(executeOk(f, params)).rejects.toThrow(/reverted/);
  });
});
