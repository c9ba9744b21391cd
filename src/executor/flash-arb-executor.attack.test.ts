import fc from 'fast-check';
import { encodeAbiParameters, encodeFunctionData, toFunctionSelector, zeroAddress, type AbiFunction, type Address, type Hex } from 'viem';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attackRelayAbi } from '../contracts/abis/AttackRelay.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { phisherAbi } from '../contracts/abis/Phisher.ts';
import { aavePoolAbi } from '../devnet/lenders/aave.ts';
import { balancerVaultAbi } from '../devnet/lenders/balancer.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { arbitraryArgs } from './testing/abi-arbitrary.ts';
import { outcomeOf, sendRaw, type CallOutcome } from './testing/attack-fixture.ts';
import { balanceOf, deployOurs, revertTo, send, snapshot, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { deadlineAhead, executeOk, fixtureFlash, fixtureRoutes, predictProfit } from './testing/fixture-routes.ts';
import { encodeExecute, executeArgs } from './route-codec.ts';

// Attacks 1-6, 11 and 12 of issue 4: who may call what. Each test pins the exact error of the
// check that stops the attack, so removing that check turns the test red (another check firing
// instead, or the attack going through), and checks that no funds moved.

const E18 = 10n ** 18n;
const ATTACKER = 5; // anvil account index: neither owner, executor key nor cold wallet

describe('FlashArbExecutor attack suite: callers and callbacks', () => {
  let f: ExecutorFixture;
  let relay: Address;
  let snap: Hex;
  let attacker: Address;
  /** Calldata of a route that, were the callback taken, would run the cycle and "repay" the caller. */
  let drainData: Hex;

  beforeAll(async () => {
    f = await startExecutorFixture();
    relay = await deployOurs(f.clients, 'AttackRelay');
    attacker = f.clients.accounts[ATTACKER]!.address;
    const route = executeArgs({ route: fixtureRoutes(f)['v2,v2'], amountIn: 50n * E18, minProfit: 0n, deadlineBlock: 10n ** 9n, flash: { kind: 'none' } })[0];
    drainData = encodeAbiParameters(
      [{ type: 'tuple[]', components: flashArbExecutorAbi.find((x) => x.type === 'function' && x.name === 'execute')!.inputs[0]!.components }, { type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'uint8' }],
      [route, 50n * E18, 0n, 0n, 0n, 3],
    );
  });
  afterAll(async () => f?.stop());
  beforeEach(async () => {
    snap = await snapshot(f.clients);
  });
  afterEach(async () => revertTo(f.clients, snap));

  const executorBase = (): Promise<bigint> => balanceOf(f.clients, f.tokens.base, f.executor);
  const viaRelay = (target: Address, data: Hex): Hex => encodeFunctionData({ abi: attackRelayAbi, functionName: 'relay', args: [target, data] });
  const call = (functionName: string, args: readonly unknown[]): Hex => encodeFunctionData({ abi: flashArbExecutorAbi, functionName, args } as never);

  /** Runs `data` as an eth_call and as a real transaction from `from`; expects the named error, no state change. */
  async function expectStopped(from: number, to: Address, data: Hex, error: string): Promise<CallOutcome> {
    const before = await executorBase();
    const outcome = await outcomeOf(f, f.clients.accounts[from]!.address, to, data);
    expect(outcome.name).toBe(error);
    const receipt = await sendRaw(f, from, to, data);
    expect(receipt.status).toBe('reverted');
    expect(await executorBase()).toBe(before);
    return outcome;
  }

  it('1. a fake pair calling uniswapV2Call (claiming sender = the executor) is refused: UnexpectedCallback', async () => {
    const outcome = await expectStopped(ATTACKER, relay, viaRelay(f.executor, call('uniswapV2Call', [f.executor, 0n, 50n * E18, drainData])), 'UnexpectedCallback');
    expect(outcome.args).toEqual([relay]);
  });

  it('2. a third party calling a real pair\'s swap with to = executor and data is refused: UnexpectedCallback', async () => {
    const pairAbi = uniswapArtifact('UniswapV2Pair').abi;
    const swap = encodeFunctionData({ abi: pairAbi, functionName: 'swap', args: [10n ** 15n, 10n ** 15n, f.executor, drainData] });
    const outcome = await expectStopped(ATTACKER, f.pools.v2BaseA, swap, 'UnexpectedCallback');
    expect((outcome.args[0] as string).toLowerCase()).toBe(f.pools.v2BaseA.toLowerCase());
  });

  it('3. a fake pool calling each V3 callback (and each lender callback) is refused: UnexpectedCallback', async () => {
    const fake: [string, readonly unknown[]][] = [
      ['uniswapV3SwapCallback', [10n * E18, 10n * E18, '0x']],
      ['uniswapV3SwapCallback', [-1n, 10n * E18, drainData]],
      ['uniswapV3FlashCallback', [0n, 0n, drainData]],
      ['receiveFlashLoan', [[f.tokens.base], [50n * E18], [0n], drainData]],
      ['executeOperation', [f.tokens.base, 50n * E18, 0n, f.executor, drainData]],
    ];
    for (const [name, args] of fake) await expectStopped(ATTACKER, relay, viaRelay(f.executor, call(name, args)), 'UnexpectedCallback');
  });

  it('3b. a malicious pool on the route asking its callback for more than the hop input: ExcessivePayment', async () => {
    const greedy = await deployOurs(f.clients, 'GreedyV3Pool');
    const route = [{ ...fixtureRoutes(f)['v3,v3'][0]!, pool: greedy }, fixtureRoutes(f)['v2,v2'][1]!];
    const data = encodeExecute({ route, amountIn: 5n * E18, minProfit: 0n, deadlineBlock: await deadlineAhead(f), flash: { kind: 'none' } });
    const outcome = await expectStopped(3, f.executor, data, 'ExcessivePayment');
    expect(outcome.args).toEqual([50n * E18, 5n * E18]);
  });

  it('4. someone else starting an Aave flashLoanSimple or a Balancer flashLoan to the executor is refused: UnexpectedCallback', async () => {
    const aave = encodeFunctionData({ abi: aavePoolAbi(), functionName: 'flashLoanSimple', args: [f.executor, f.tokens.base, 50n * E18, drainData, 0] });
    await expectStopped(ATTACKER, f.aave.pool, aave, 'UnexpectedCallback');
    const vault = encodeFunctionData({ abi: balancerVaultAbi(), functionName: 'flashLoan', args: [f.executor, [f.tokens.base], [50n * E18], drainData] });
    await expectStopped(ATTACKER, f.balancer.vault, vault, 'UnexpectedCallback');
  });

  it('5. every external function, called by a non-owner with fuzzed arguments, and fuzzed selectors, reverts', async () => {
    // The authorization error each state-changing function must answer a stranger with.
    const expected: Record<string, string> = {
      execute: 'NotExecutor', withdraw: 'OwnableUnauthorizedAccount', setExecutor: 'OwnableUnauthorizedAccount', pause: 'OwnableUnauthorizedAccount',
      unpause: 'OwnableUnauthorizedAccount', transferOwnership: 'OwnableUnauthorizedAccount', acceptOwnership: 'OwnableUnauthorizedAccount',
      renounceOwnership: 'RenounceDisabled', uniswapV2Call: 'UnexpectedCallback', uniswapV3SwapCallback: 'UnexpectedCallback',
      uniswapV3FlashCallback: 'UnexpectedCallback', receiveFlashLoan: 'UnexpectedCallback', executeOperation: 'UnexpectedCallback',
    };
    const functions = flashArbExecutorAbi.filter((x): x is Extract<typeof x, { type: 'function' }> => x.type === 'function');
    const mutating = functions.filter((fn) => fn.stateMutability !== 'view' && fn.stateMutability !== 'pure' || fn.name === 'renounceOwnership');
    expect(mutating.map((fn) => fn.name).sort()).toEqual(Object.keys(expected).sort());
    const addresses = [f.executor, f.owner, f.coldWallet, f.hotKey, attacker, f.tokens.base, f.tokens.a, f.pools.v2BaseA, f.aave.pool, f.balancer.vault];
    for (const fn of mutating) {
      await fc.assert(fc.asyncProperty(arbitraryArgs(fn as AbiFunction, addresses), fc.constantFrom(ATTACKER, 6, 7), async (args, from) => {
        const data = encodeFunctionData({ abi: [fn], functionName: fn.name, args } as never);
        const outcome = await outcomeOf(f, f.clients.accounts[from]!.address, f.executor, data);
        expect(outcome.name, `${fn.name} from account ${from}`).toBe(expected[fn.name]);
      }), { numRuns: 20 });
    }
    const known = new Set(functions.map((fn) => toFunctionSelector(fn as AbiFunction)));
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 4, maxLength: 100 }), async (bytes) => {
      const data = `0x${Buffer.from(bytes).toString('hex')}` as Hex;
      fc.pre(!known.has(data.slice(0, 10) as Hex));
      expect((await outcomeOf(f, attacker, f.executor, data)).name).toBe('empty'); // no fallback: nothing answers
    }), { numRuns: 50 });
    // One real transaction per function: the chain state afterwards is untouched.
    for (const fn of mutating) {
      const [args] = fc.sample(arbitraryArgs(fn as AbiFunction, addresses), { numRuns: 1, seed: 4 });
      expect((await sendRaw(f, ATTACKER, f.executor, encodeFunctionData({ abi: [fn], functionName: fn.name, args } as never))).status).toBe('reverted');
    }
    const read = (functionName: string, args: readonly unknown[] = []) => f.clients.publicClient.readContract({ address: f.executor, abi: flashArbExecutorAbi, functionName, args } as never);
    expect([await read('owner'), await read('pendingOwner'), await read('paused'), await read('isExecutor', [attacker])])
      .toEqual([f.owner, zeroAddress, false, false]);
    expect(await balanceOf(f.clients, f.tokens.base, f.executor)).toBe(f.executorCapital);
  });

  it('6. the owner relayed through a phishing contract cannot withdraw or take over: OwnableUnauthorizedAccount (no tx.origin)', async () => {
    const phisher = await deployOurs(f.clients, 'Phisher', [f.executor, f.tokens.base]);
    const coldBefore = await balanceOf(f.clients, f.tokens.base, f.coldWallet);
    for (const bait of ['claimAirdrop', 'claimBonus'] as const) {
      const outcome = await expectStopped(1, phisher, encodeFunctionData({ abi: phisherAbi, functionName: bait, args: [] }), 'OwnableUnauthorizedAccount');
      expect(outcome.args, bait).toEqual([phisher]);
    }
    expect(await balanceOf(f.clients, f.tokens.base, f.coldWallet)).toBe(coldBefore);
    const read = (functionName: 'owner' | 'pendingOwner') => f.clients.publicClient.readContract({ address: f.executor, abi: flashArbExecutorAbi, functionName });
    expect([await read('owner'), await read('pendingOwner')]).toEqual([f.owner, zeroAddress]);
  });

  it('11. paused: execute reverts (EnforcedPause) even for the owner; withdraw still works and pays only the cold wallet', async () => {
    const ownerAccount = f.clients.accounts[1]!;
    await send(f.clients, f.executor, flashArbExecutorAbi, 'pause', [], ownerAccount);
    const route = fixtureRoutes(f)['v2,v2'];
    const data = encodeExecute({ route, amountIn: E18, minProfit: 0n, deadlineBlock: await deadlineAhead(f), flash: { kind: 'none' } });
    await expectStopped(3, f.executor, data, 'EnforcedPause');
    await expectStopped(1, f.executor, data, 'EnforcedPause');
    await expectStopped(3, f.executor, call('withdraw', [f.tokens.base, E18]), 'OwnableUnauthorizedAccount');
    const watched = [f.coldWallet, f.owner, f.hotKey, attacker];
    const before = await Promise.all(watched.map((a) => balanceOf(f.clients, f.tokens.base, a)));
    await send(f.clients, f.executor, flashArbExecutorAbi, 'withdraw', [f.tokens.base, 7n * E18], ownerAccount);
    const after = await Promise.all(watched.map((a) => balanceOf(f.clients, f.tokens.base, a)));
    expect(after.map((x, i) => x - before[i]!)).toEqual([7n * E18, 0n, 0n, 0n]);
    expect(await balanceOf(f.clients, f.tokens.base, f.executor)).toBe(f.executorCapital - 7n * E18);
    await send(f.clients, f.executor, flashArbExecutorAbi, 'unpause', [], ownerAccount);
    const predicted = await predictProfit(f, route, E18, 'none');
    await executeOk(f, { route, amountIn: E18, minProfit: predicted, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, 'none', route)! });
  });

  it('12. past the deadline block: DeadlineExpired; at the deadline block it runs', async () => {
    const route = fixtureRoutes(f)['v3,v3'];
    const latest = await f.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    const stale = encodeExecute({ route, amountIn: E18, minProfit: 0n, deadlineBlock: latest - 1n, flash: { kind: 'balancer', lender: f.balancer.vault } });
    const outcome = await outcomeOf(f, f.hotKey, f.executor, stale);
    expect(outcome.name).toBe('DeadlineExpired');
    // A transaction sent now is mined in block latest + 1: a deadline of `latest` is already past.
    const late = encodeExecute({ route, amountIn: E18, minProfit: 0n, deadlineBlock: latest, flash: { kind: 'balancer', lender: f.balancer.vault } });
    expect((await sendRaw(f, 3, f.executor, late)).status).toBe('reverted');
    const current = await f.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    const receipt = await executeOk(f, { route, amountIn: E18, minProfit: 0n, deadlineBlock: current + 1n, flash: { kind: 'balancer', lender: f.balancer.vault } });
    expect(receipt.blockNumber).toBe(current + 1n);
  });
});
