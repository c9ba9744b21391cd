import { decodeErrorResult, encodeFunctionData, type Address, type Hex } from 'viem';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { reentrantTokenAbi } from '../contracts/abis/ReentrantToken.ts';
import { salmonellaTokenAbi } from '../contracts/abis/SalmonellaToken.ts';
import { deployAave, supplyAave, aavePoolAbi } from '../devnet/lenders/aave.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { oddTokenMarket, outcomeOf, sendRaw, type OddMarket } from './testing/attack-fixture.ts';
import { balanceOf, ERC20_ABI, POOL_DEPTH, revertTo, send, snapshot, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { deadlineAhead, executeOk, fixtureFlash, fixtureRoutes, predictProfit } from './testing/fixture-routes.ts';
import { encodeExecute, type ExecuteParams, type FlashKind, type RouteHop } from './route-codec.ts';

// Attacks 7-10 and the in-flight half of 4 of issue 4: the market and the tokens turn against the
// executor. Each test pins the error of the check that must stop it (so removing that check turns
// it red) and that nothing was lost.

const E18 = 10n ** 18n;
const AMOUNT = 10n * E18;

describe('FlashArbExecutor attack suite: moved prices, lying tokens, re-entry, allowances', () => {
  let f: ExecutorFixture;
  let fot: OddMarket;
  let sal: OddMarket;
  let ree: OddMarket;
  let snap: Hex;

  beforeAll(async () => {
    f = await startExecutorFixture();
    fot = await oddTokenMarket(f, 'FeeOnTransferToken');
    sal = await oddTokenMarket(f, 'SalmonellaToken', [1n, 1n]);
    ree = await oddTokenMarket(f, 'ReentrantToken', [11n, 10n]);
  });
  afterAll(async () => f?.stop());
  beforeEach(async () => {
    snap = await snapshot(f.clients);
  });
  afterEach(async () => revertTo(f.clients, snap));

  const hop = (pool: Address, protocol: 'v2' | 'v3', tokenIn: Address, tokenOut: Address): RouteHop => ({ pool, protocol, tokenIn, tokenOut, fee: 3000 });
  const params = async (route: RouteHop[], kind: FlashKind, minProfit: bigint): Promise<ExecuteParams> => ({
    route, amountIn: AMOUNT, minProfit, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, kind, route)!,
  });
  /** The named error from an eth_call, then the same transaction mined and reverted, the executor's base untouched. */
  async function expectStopped(p: ExecuteParams, error: string): Promise<readonly unknown[]> {
    const before = await balanceOf(f.clients, f.tokens.base, f.executor);
    const outcome = await outcomeOf(f, f.hotKey, f.executor, encodeExecute(p));
    expect(outcome.name).toBe(error);
    expect((await sendRaw(f, 3, f.executor, encodeExecute(p))).status).toBe('reverted');
    expect(await balanceOf(f.clients, f.tokens.base, f.executor)).toBe(before);
    return outcome.args;
  }

  it.each(['none', 'aave'] as const)('7. the price moved just before execute (%s): InsufficientProfit(actual = the new prediction, minimum)', async (kind) => {
    const route = fixtureRoutes(f)['v2,v3'];
    const predicted = await predictProfit(f, route, AMOUNT, kind);
    // Someone else takes part of the gap first: base -> A on the same fork pair.
    const { base } = f.tokens;
    await send(f.clients, base, ERC20_ABI, 'transfer', [f.pools.v2ForkBaseA, 20n * E18]);
    const baseIs0 = base.toLowerCase() < f.tokens.a.toLowerCase();
    const out = 18n * E18;
    await send(f.clients, f.pools.v2ForkBaseA, uniswapArtifact('UniswapV2Pair').abi, 'swap', [baseIs0 ? 0n : out, baseIs0 ? out : 0n, f.clients.accounts[0]!.address, '0x']);
    const moved = await predictProfit(f, route, AMOUNT, kind);
    expect(moved).toBeLessThan(predicted);
    const args = await expectStopped(await params(route, kind, predicted), 'InsufficientProfit');
    expect(args).toEqual([moved, predicted]);
  });

  it('8a. a fee-on-transfer token in the route: InsufficientProfit (inputs measured at the pair, not assumed)', async () => {
    const route = [hop(fot.forkV2, 'v2', f.tokens.base, fot.token), hop(fot.uniV2, 'v2', fot.token, f.tokens.base)];
    const predictedAsPlainToken = await predictProfit(f, route, AMOUNT, 'balancer');
    expect(predictedAsPlainToken).toBeGreaterThan(0n);
    const [actual, minimum] = await expectStopped(await params(route, 'balancer', predictedAsPlainToken), 'InsufficientProfit') as [bigint, bigint];
    expect(minimum).toBe(predictedAsPlainToken);
    expect(actual).toBeLessThan(predictedAsPlainToken);
  });

  it('8b. a Salmonella token crediting the executor 10 % of what it reports: InsufficientProfit, its inventory untouched', async () => {
    // A flash-only executor: no base capital to cover a shortfall, so the loss shows before the repayment.
    await send(f.clients, f.executor, flashArbExecutorAbi, 'withdraw', [f.tokens.base, f.executorCapital], f.clients.accounts[1]!);
    await send(f.clients, sal.token, salmonellaTokenAbi, 'setVictim', [f.executor]);
    // Inventory the executor already holds: trusting the reported amount would spend it silently.
    await send(f.clients, sal.token, salmonellaTokenAbi, 'mint', [f.executor, 100n * E18]);
    const route = [hop(sal.forkV2, 'v2', f.tokens.base, sal.token), hop(sal.v3!, 'v3', sal.token, f.tokens.base)];
    const predictedAsPlainToken = await predictProfit(f, route, AMOUNT, 'aave');
    expect(predictedAsPlainToken).toBeGreaterThan(0n);
    const [actual] = await expectStopped(await params(route, 'aave', predictedAsPlainToken), 'InsufficientProfit') as [bigint];
    expect(actual).toBeLessThan(0n);
    expect(await balanceOf(f.clients, sal.token, f.executor)).toBe(100n * E18);
  });

  const reeRoute = (): RouteHop[] => [hop(ree.v3!, 'v3', f.tokens.base, ree.token), hop(ree.uniV2, 'v2', ree.token, f.tokens.base)];
  /** What the executor answered the token's hook (the token records it: pools would hide a revert). */
  async function hookAnswer(): Promise<{ calls: bigint; ok: boolean; error: string; args: readonly unknown[] }> {
    const read = (functionName: 'hookCalls' | 'lastHookOk' | 'lastHookResult') =>
      f.clients.publicClient.readContract({ address: ree.token, abi: reentrantTokenAbi, functionName });
    const result = (await read('lastHookResult')) as Hex;
    const decoded = result.length > 2 ? decodeErrorResult({ abi: flashArbExecutorAbi, data: result }) : undefined;
    return { calls: (await read('hookCalls')) as bigint, ok: (await read('lastHookOk')) as boolean, error: decoded?.errorName ?? 'none', args: decoded?.args ?? [] };
  }
  /** Runs the REE cycle with the hook armed: the re-entry is refused and the cycle still pays exactly its prediction. */
  async function runReentered(trigger: Address, target: Address, data: Hex, route: RouteHop[], flash: ExecuteParams['flash']): Promise<void> {
    await send(f.clients, ree.token, reentrantTokenAbi, 'arm', [trigger, target, data]);
    // Both Aave markets charge deployAave's default premium, so the fixture's fee formula holds for either.
    const predicted = await predictProfit(f, route, AMOUNT, flash.kind);
    expect(predicted).toBeGreaterThan(0n);
    const baseToken = route[0]!.tokenIn;
    const before = await balanceOf(f.clients, baseToken, f.executor);
    await executeOk(f, { route, amountIn: AMOUNT, minProfit: predicted, deadlineBlock: await deadlineAhead(f), flash });
    expect(await balanceOf(f.clients, baseToken, f.executor)).toBe(before + predicted);
  }

  it('9a. a token hook re-entering execute (even as an allowed executor): ReentrancyGuardReentrantCall', async () => {
    await send(f.clients, f.executor, flashArbExecutorAbi, 'setExecutor', [ree.token, true], f.clients.accounts[1]!);
    const inner = encodeExecute(await params(fixtureRoutes(f)['v2,v2'], 'none', 0n));
    await runReentered(ree.v3!, f.executor, inner, reeRoute(), { kind: 'none' });
    expect(await hookAnswer()).toMatchObject({ calls: 1n, ok: false, error: 'ReentrancyGuardReentrantCall' });
  });

  it('9b. a token hook calling the swap callback while the executor awaits the pool\'s: UnexpectedCallback', async () => {
    const steal = encodeFunctionData({ abi: flashArbExecutorAbi, functionName: 'uniswapV3SwapCallback', args: [AMOUNT, AMOUNT, '0x'] });
    await runReentered(ree.v3!, f.executor, steal, reeRoute(), { kind: 'none' });
    expect(await hookAnswer()).toEqual({ calls: 1n, ok: false, error: 'UnexpectedCallback', args: [ree.token] });
  });

  it('4b. a foreign Aave flashLoanSimple started inside the executor\'s own Aave loan: ForeignInitiator', async () => {
    // A second real Aave market lending the hook token: its transfer to the executor re-enters Aave.
    const aave = await deployAave(f.clients, { assets: [{ address: ree.token, symbol: 'REE', decimals: 18 }] });
    await supplyAave(f.clients, aave, ree.token, POOL_DEPTH);
    const route = [hop(ree.uniV2, 'v2', ree.token, f.tokens.base), hop(ree.v3!, 'v3', f.tokens.base, ree.token)];
    const foreign = encodeFunctionData({ abi: aavePoolAbi(), functionName: 'flashLoanSimple', args: [f.executor, ree.token, E18, '0x', 0] });
    await runReentered(aave.aTokens.get(ree.token.toLowerCase())!, aave.pool, foreign, route, { kind: 'aave', lender: aave.pool });
    expect(await hookAnswer()).toEqual({ calls: 1n, ok: false, error: 'ForeignInitiator', args: [ree.token] });
  });

  it('10. after executions through every source, every allowance of the executor is zero and its base never dropped', async () => {
    const runs: [keyof ReturnType<typeof fixtureRoutes>, FlashKind][] = [
      ['v2,v3', 'none'], ['v2,v3', 'v2-flash-swap'], ['v2,v3', 'v3-flash'], ['v2,v3', 'balancer'], ['v2,v3', 'aave'], ['v3,v3,v3', 'aave'], ['v2,v2,v2', 'aave'],
    ];
    let last = await balanceOf(f.clients, f.tokens.base, f.executor);
    for (const [shape, kind] of runs) {
      const route = fixtureRoutes(f)[shape];
      await executeOk(f, { ...(await params(route, kind, 1n)), amountIn: 2n * E18 });
      const now = await balanceOf(f.clients, f.tokens.base, f.executor);
      expect(now, `${shape} via ${kind}`).toBeGreaterThan(last);
      last = now;
    }
    const spenders = [
      ...Object.values(f.pools), ...Object.values(f.uni), f.forkFactory, f.balancer.vault, f.aave.pool, ...f.aave.aTokens.values(),
      f.owner, f.hotKey, f.coldWallet, f.clients.accounts[0]!.address,
    ];
    for (const token of Object.values(f.tokens)) {
      for (const spender of spenders) {
        const allowance = await f.clients.publicClient.readContract({ address: token, abi: ERC20_ABI, functionName: 'allowance', args: [f.executor, spender] });
        expect(allowance, `allowance of ${token} to ${spender}`).toBe(0n);
      }
    }
  });
});
