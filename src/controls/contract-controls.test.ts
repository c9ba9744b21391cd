import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDeployData, encodeFunctionData, keccak256, type Address, type Hex } from 'viem';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import { loadOrCreateCheckpointKey } from '../audit/checkpoint-key.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { rogueLenderAbi } from '../contracts/abis/RogueLender.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { encodeExecute } from '../executor/route-codec.ts';
import { outcomeOf, sendRaw } from '../executor/testing/attack-fixture.ts';
import { balanceOf, deployOurs, ERC20_ABI, revertTo, send, snapshot, startExecutorFixture, type ExecutorFixture } from '../executor/testing/executor-fixture.ts';
import { deadlineAhead, fixtureRoutes } from '../executor/testing/fixture-routes.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { ControlNotYetMined, ControlRefused, ControlStillPending, reconcileControls, runContractControl, type ControlContext } from './contract-controls.ts';
import { recordSigned, unsettledControls } from './control-records.ts';
import { startFaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';

// One devnet (the executor fixture: owner = account 1, cold wallet = 2, hot key = 3) for the
// owner's controls and for the audit's gaps in FlashArbExecutor. Each test runs on a snapshot.
const E18 = 10n ** 18n;
const NEW_OWNER = 6;

let f: ExecutorFixture;
let db: TestStore;
let audit: AuditLog;
let snap: Hex;
const keyDir = mkdtempSync(join(tmpdir(), 'orion-controls-'));

beforeAll(async () => {
  [f, db] = await Promise.all([startExecutorFixture(), openTestStore('pglite')]);
  audit = createAuditLog(db.store, loadOrCreateCheckpointKey(join(keyDir, 'audit.pem')));
}, 300_000);
afterAll(async () => {
  await Promise.all([f?.stop(), db?.cleanup()]);
  rmSync(keyDir, { recursive: true, force: true });
});
beforeEach(async () => {
  snap = await snapshot(f.clients);
});
afterEach(async () => revertTo(f.clients, snap));

const context = (account = 1): ControlContext => ({ rpcUrl: f.anvil.rpcUrl, executor: f.executor, owner: f.clients.accounts[account]!, audit, actor: { label: 'test' } });
const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  f.clients.publicClient.readContract({ address: f.executor, abi: flashArbExecutorAbi, functionName, args } as never) as Promise<T>;
const call = (functionName: string, args: readonly unknown[]): Hex => encodeFunctionData({ abi: flashArbExecutorAbi, functionName, args } as never);
const nonceOf = (account: number) => f.clients.publicClient.getTransactionCount({ address: f.clients.accounts[account]!.address });
const address = (account: number) => f.clients.accounts[account]!.address;

describe('owner controls', () => {
  it('withdraw pays the contract\'s whole balance to the cold wallet, and the audit log records the transaction', async () => {
    const [held, coldBefore] = await Promise.all([balanceOf(f.clients, f.tokens.base, f.executor), balanceOf(f.clients, f.tokens.base, f.coldWallet)]);
    expect(held).toBe(f.executorCapital);
    const result = await runContractControl(context(), { kind: 'withdraw', token: f.tokens.base });
    expect(await balanceOf(f.clients, f.tokens.base, f.coldWallet)).toBe(coldBefore + held);
    expect(await balanceOf(f.clients, f.tokens.base, f.executor)).toBe(0n);
    const { rows } = await audit.list({ type: 'contract.withdraw', limit: 5 });
    expect(rows[0]?.details).toMatchObject({ transaction: result.transaction, status: 'success', amount: held.toString(), to: f.coldWallet.toLowerCase() });
  });

  it('pause and unpause; allow-executor and revoke-executor change what the contract says', async () => {
    await runContractControl(context(), { kind: 'pause' });
    expect(await read<boolean>('paused')).toBe(true);
    await runContractControl(context(), { kind: 'unpause' });
    expect(await read<boolean>('paused')).toBe(false);
    await runContractControl(context(), { kind: 'allow-executor', account: address(4) });
    expect(await read<boolean>('isExecutor', [address(4)])).toBe(true);
    await runContractControl(context(), { kind: 'revoke-executor', account: address(4) });
    expect(await read<boolean>('isExecutor', [address(4)])).toBe(false);
    expect(await read<bigint>('executorCount')).toBe(1n);
  });

  it('a key that is not the owner, a zero address, nothing to withdraw, pausing twice: one clear refusal each, nothing sent', async () => {
    const nonces = await Promise.all([nonceOf(1), nonceOf(3)]);
    await expect(runContractControl(context(3), { kind: 'pause' })).rejects.toThrow(new ControlRefused(`the owner key is ${address(3).toLowerCase()} but the contract's owner is ${f.owner.toLowerCase()}: nothing sent`));
    await expect(runContractControl(context(), { kind: 'allow-executor', account: `0x${'0'.repeat(40)}` })).rejects.toThrow(/the zero address is not an account: nothing sent/);
    await expect(runContractControl(context(), { kind: 'withdraw', token: f.tokens.b })).rejects.toThrow(/the contract holds no 0x[0-9a-f]{40}: nothing sent/);
    await expect(runContractControl(context(), { kind: 'unpause' })).rejects.toThrow(/unpause would revert \(ExpectedPause\(\)\): nothing sent/);
    expect(await Promise.all([nonceOf(1), nonceOf(3)])).toEqual(nonces);
  });
});

describe('owner controls: recorded before they are sent', () => {
  const stored = async (type: string) =>
    (await db.store.query<{ seq: bigint; details: Record<string, string> }>('select seq, details from audit_log where type = $1 order by seq', [type], { bigint: ['seq'] })).rows;
  const automine = (on: boolean) => f.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [on] as never });

  it('an audit log that cannot record the transaction: nothing is sent', async () => {
    const nonce = await nonceOf(1);
    const failing = { ...audit, append: async () => { throw new Error('audit log unavailable'); } };
    await expect(runContractControl({ ...context(), audit: failing }, { kind: 'pause' })).rejects.toThrow('audit log unavailable');
    expect(await read<boolean>('paused')).toBe(false);
    expect(await nonceOf(1)).toBe(nonce);
    expect(await f.clients.publicClient.getTransactionCount({ address: address(1), blockTag: 'pending' })).toBe(nonce);
  });

  it('the hash is recorded before the receipt; no receipt in time → "sent, not yet mined" with the hash; a retry is refused until it is mined, then its outcome is recorded', async () => {
    await automine(false);
    try {
      const pending = await runContractControl({ ...context(), receiptTimeoutMs: 300 }, { kind: 'pause' }).then(() => undefined, (error: unknown) => error);
      expect(pending).toBeInstanceOf(ControlNotYetMined);
      const hash = (pending as ControlNotYetMined).transaction;
      expect((pending as Error).message).toContain(hash);
      // On the chain: sent, not mined; in the stored audit rows: the signed record with that hash.
      expect((await f.clients.publicClient.getTransaction({ hash })).blockNumber).toBeNull();
      expect(await read<boolean>('paused')).toBe(false);
      const signed = await stored('contract.signed');
      expect(signed.at(-1)?.details).toMatchObject({ control: 'pause', transaction: hash, executor: f.executor.toLowerCase(), by: 'test' });
      expect((await stored('contract.pause')).filter((row) => row.details['transaction'] === hash)).toEqual([]);

      const pendingNonce = await f.clients.publicClient.getTransactionCount({ address: address(1), blockTag: 'pending' });
      await expect(runContractControl(context(), { kind: 'pause' })).rejects.toThrow(ControlStillPending);
      await expect(runContractControl(context(), { kind: 'pause' })).rejects.toThrow(new RegExp(`earlier pause \\(transaction ${hash}.*nothing sent`));
      expect(await f.clients.publicClient.getTransactionCount({ address: address(1), blockTag: 'pending' })).toBe(pendingNonce);

      await f.clients.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
      expect(await read<boolean>('paused')).toBe(true);
    } finally {
      await automine(true);
    }
    // The next control records the mined pause's outcome, then runs.
    const unpaused = await runContractControl(context(), { kind: 'unpause' });
    expect(await read<boolean>('paused')).toBe(false);
    const signed = await stored('contract.signed');
    const pauseHash = signed.find((row) => row.details['control'] === 'pause')?.details['transaction'];
    expect((await stored('contract.pause')).find((row) => row.details['transaction'] === pauseHash)?.details).toMatchObject({ status: 'success' });
    const unpauseSigned = signed.find((row) => row.details['transaction'] === unpaused.transaction);
    const unpauseOutcome = (await stored('contract.unpause')).find((row) => row.details['transaction'] === unpaused.transaction);
    expect(unpauseSigned).toBeDefined();
    expect(unpauseOutcome?.details).toMatchObject({ status: 'success', block: unpaused.block });
    expect(unpauseSigned!.seq < unpauseOutcome!.seq).toBe(true);
  });
});

describe('owner controls: two at once', () => {
  const automine = (on: boolean) => f.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [on] as never });

  it('two controls asked at the same moment: one is sent, the other is refused as still pending, one nonce used', async () => {
    await automine(false);
    try {
      const nonce = await f.clients.publicClient.getTransactionCount({ address: address(1), blockTag: 'pending' });
      const outcomes = await Promise.all([
        runContractControl({ ...context(), receiptTimeoutMs: 300 }, { kind: 'pause' }).then(() => 'mined', (error: unknown) => error),
        runContractControl({ ...context(), receiptTimeoutMs: 300 }, { kind: 'pause' }).then(() => 'mined', (error: unknown) => error),
      ]);
      // Before: both found nothing pending and both were signed and sent (one nonce apart, or the same).
      expect(outcomes.filter((o) => o instanceof ControlNotYetMined)).toHaveLength(1);
      expect(outcomes.filter((o) => o instanceof ControlStillPending)).toHaveLength(1);
      expect(await f.clients.publicClient.getTransactionCount({ address: address(1), blockTag: 'pending' })).toBe(nonce + 1);
    } finally {
      await automine(true);
    }
  });
});

describe('owner controls: every control left pending is reconciled', () => {
  const automine = (on: boolean) => f.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [on] as never });
  const mine = () => f.clients.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
  const outcomeOf = async (type: string, transaction: Hex) => (await audit.list({ type, limit: 100 })).rows.find((row) => row.details['transaction'] === transaction)?.details;
  /** The owner key sends something else with the nonce of `hash`, paying more: mined instead of it. */
  const spendNonceOf = async (hash: Hex): Promise<void> => {
    const owner = f.clients.accounts[1]!;
    const signed = await f.clients.publicClient.getTransaction({ hash });
    await f.clients.walletClient.sendTransaction({ account: owner, to: owner.address, value: 1n, nonce: signed.nonce, maxFeePerGas: signed.maxFeePerGas! * 2n, maxPriorityFeePerGas: signed.maxPriorityFeePerGas! * 2n });
    await mine();
  };
  /** A pause sent and not mined (the API's 202): its hash. */
  const pausePending = async (): Promise<Hex> => {
    const pending = await runContractControl({ ...context(), receiptTimeoutMs: 300 }, { kind: 'pause' }).then(() => undefined, (error: unknown) => error);
    if (!(pending instanceof ControlNotYetMined)) throw new Error(`expected the pause to be sent and not mined, got ${String(pending)}`);
    return pending.transaction;
  };

  it('two controls signed and sent before a restart (the newest by another instance): the next control records both outcomes, each with its block', async () => {
    await automine(false);
    let pause: Hex;
    let withdraw: Hex;
    try {
      pause = await pausePending();
      // Another instance signed, recorded and sent a withdraw meanwhile, with the owner's next nonce.
      const owner = f.clients.accounts[1]!;
      const nonce = await f.clients.publicClient.getTransactionCount({ address: owner.address, blockTag: 'pending' });
      const request = await f.clients.walletClient.prepareTransactionRequest({ account: owner, to: f.executor, data: call('withdraw', [f.tokens.base, 1n]), nonce });
      const serializedTransaction = await f.clients.walletClient.signTransaction(request);
      withdraw = keccak256(serializedTransaction);
      await recordSigned(audit, { control: 'withdraw', executor: f.executor.toLowerCase(), transaction: withdraw, nonce: BigInt(nonce) }, { token: f.tokens.base, amount: '1' }, { label: 'other instance' });
      await f.clients.walletClient.sendRawTransaction({ serializedTransaction });
      await mine();
    } finally {
      await automine(true);
    }
    expect(await unsettledControls(audit, f.executor)).toHaveLength(2);
    await runContractControl(context(), { kind: 'unpause' });
    const [pauseReceipt, withdrawReceipt] = await Promise.all([pause, withdraw].map((hash) => f.clients.publicClient.getTransactionReceipt({ hash })));
    expect(await outcomeOf('contract.pause', pause)).toMatchObject({ status: 'success', block: pauseReceipt!.blockNumber.toString() });
    expect(await outcomeOf('contract.withdraw', withdraw)).toMatchObject({ status: 'success', block: withdrawReceipt!.blockNumber.toString() });
    expect(await unsettledControls(audit, f.executor)).toEqual([]);
  });

  it('a node that still lists a control as pending after its nonce was used does not hold the controls up: recorded replaced, the next control runs', async () => {
    const proxy = await startFaultInjectingProxy(f.anvil.rpcUrl);
    try {
      await automine(false);
      let pause: Hex;
      try {
        pause = await pausePending();
        const listed = await f.clients.publicClient.request({ method: 'eth_getTransactionByHash', params: [pause] });
        proxy.keepListing(pause, listed);
        await spendNonceOf(pause);
      } finally {
        await automine(true);
      }
      await runContractControl({ ...context(), rpcUrl: proxy.url }, { kind: 'pause' });
      expect(await read<boolean>('paused')).toBe(true);
      expect(await outcomeOf('contract.pause', pause)).toMatchObject({ status: 'replaced' });
    } finally {
      await proxy.close();
    }
  });

  it('at start, with no new control: one still waiting is left waiting (nothing recorded); once mined, its outcome is recorded with its block', async () => {
    await automine(false);
    let pause: Hex;
    try {
      pause = await pausePending();
      expect(await reconcileControls(f.anvil.rpcUrl, f.executor, audit)).toEqual({ recorded: 0, waiting: [pause] });
      expect(await outcomeOf('contract.pause', pause)).toBeUndefined();
      await mine();
    } finally {
      await automine(true);
    }
    expect(await reconcileControls(f.anvil.rpcUrl, f.executor, audit)).toEqual({ recorded: 1, waiting: [] });
    const receipt = await f.clients.publicClient.getTransactionReceipt({ hash: pause });
    expect(await outcomeOf('contract.pause', pause)).toMatchObject({ status: 'success', block: receipt.blockNumber.toString(), by: 'reconcile at start' });
    expect(await unsettledControls(audit, f.executor)).toEqual([]);
  });

  it('a control whose nonce another transaction of the owner key took is recorded as replaced (it can never be mined), and the next control runs', async () => {
    await automine(false);
    let pause: Hex;
    try {
      pause = await pausePending();
      await spendNonceOf(pause);
    } finally {
      await automine(true);
    }
    expect(await read<boolean>('paused')).toBe(false);
    await runContractControl(context(), { kind: 'pause' });
    expect(await read<boolean>('paused')).toBe(true);
    const signedNonce = (await audit.list({ type: 'contract.signed', limit: 100 })).rows.find((row) => row.details['transaction'] === pause)?.details['nonce'];
    expect(await outcomeOf('contract.pause', pause)).toMatchObject({ status: 'replaced', reason: `nonce ${signedNonce} of ${address(1).toLowerCase()} was used by another transaction: this one can never be mined` });
  });
});

describe('FlashArbExecutor: allowed hot keys never outlive their owner', () => {
  it('transferOwnership is refused while an executor is allowed; after revoking, the new owner starts with none', async () => {
    expect(await outcomeOf(f, f.owner, f.executor, call('transferOwnership', [address(NEW_OWNER)]))).toEqual({ name: 'ExecutorsStillAllowed', args: [1n] });
    await send(f.clients, f.executor, flashArbExecutorAbi, 'setExecutor', [f.hotKey, false], f.clients.accounts[1]!);
    await send(f.clients, f.executor, flashArbExecutorAbi, 'transferOwnership', [address(NEW_OWNER)], f.clients.accounts[1]!);
    await send(f.clients, f.executor, flashArbExecutorAbi, 'acceptOwnership', [], f.clients.accounts[NEW_OWNER]!);
    expect((await read<Address>('owner')).toLowerCase()).toBe(address(NEW_OWNER).toLowerCase());
    expect(await read<boolean>('isExecutor', [f.hotKey])).toBe(false);
    expect(await read<bigint>('executorCount')).toBe(0n);
  });

  it('an executor allowed after the transfer started blocks its acceptance', async () => {
    await send(f.clients, f.executor, flashArbExecutorAbi, 'setExecutor', [f.hotKey, false], f.clients.accounts[1]!);
    await send(f.clients, f.executor, flashArbExecutorAbi, 'transferOwnership', [address(NEW_OWNER)], f.clients.accounts[1]!);
    await send(f.clients, f.executor, flashArbExecutorAbi, 'setExecutor', [address(4), true], f.clients.accounts[1]!);
    expect(await outcomeOf(f, address(NEW_OWNER), f.executor, call('acceptOwnership', []))).toEqual({ name: 'ExecutorsStillAllowed', args: [1n] });
    // Allowing the same key twice counts it once.
    await send(f.clients, f.executor, flashArbExecutorAbi, 'setExecutor', [address(4), true], f.clients.accounts[1]!);
    expect(await read<bigint>('executorCount')).toBe(1n);
  });
});

describe('FlashArbExecutor: zero addresses', () => {
  it('setExecutor(0), withdraw(token 0), a zero cold wallet and a zero owner are each refused by name', async () => {
    expect((await outcomeOf(f, f.owner, f.executor, call('setExecutor', [`0x${'0'.repeat(40)}`, true]))).name).toBe('ZeroAddress');
    expect((await outcomeOf(f, f.owner, f.executor, call('withdraw', [`0x${'0'.repeat(40)}`, 1n]))).name).toBe('ZeroAddress');
    const { bytecode } = await loadArtifact('FlashArbExecutor');
    const deploy = (owner: Address, cold: Address) => encodeDeployData({ abi: flashArbExecutorAbi, bytecode, args: [owner, cold] });
    const zero = `0x${'0'.repeat(40)}` as Address;
    const outcome = async (data: Hex) => {
      try {
        await f.clients.publicClient.call({ account: f.owner, data, gas: 6_000_000n });
        return 'success';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(await outcome(deploy(f.owner, zero))).toMatch(/0xd92e233d/); // ZeroAddress()
    expect(await outcome(deploy(zero, f.coldWallet))).toMatch(/0x1e4fbdf7/); // OwnableInvalidOwner(address)
    expect(await outcome(deploy(f.owner, f.coldWallet))).toBe('success');
  });
});

describe('FlashArbExecutor: lenders that misbehave', () => {
  let rogue: Address;
  const route = () => fixtureRoutes(f)['v2,v2'];
  const amountIn = 10n * E18;
  const executeFrom = async (kind: 'aave' | 'balancer'): Promise<Hex> =>
    encodeExecute({ route: route(), amountIn, minProfit: 0n, deadlineBlock: await deadlineAhead(f), flash: { kind, lender: rogue } });
  const setMode = (mode: number, reentry: Hex = '0x') => send(f.clients, rogue, rogueLenderAbi, 'setMode', [mode, reentry]);

  beforeAll(async () => {
    rogue = await deployOurs(f.clients, 'RogueLender');
    await send(f.clients, f.tokens.base, ERC20_ABI, 'transfer', [rogue, 100n * E18]);
  });

  it('an honest run through the rogue lender works (the lender is usable), so each failure below is the misbehaviour', async () => {
    await setMode(0);
    const receipt = await sendRaw(f, 3, f.executor, await executeFrom('aave'));
    expect(receipt.status).toBe('success');
  });

  it('callback data other than what the executor handed the lender: CallbackDataMismatch, for Aave and Balancer', async () => {
    await setMode(1);
    for (const kind of ['aave', 'balancer'] as const) expect((await outcomeOf(f, f.hotKey, f.executor, await executeFrom(kind))).name, kind).toBe('CallbackDataMismatch');
  });

  it('an Aave-style lender that does not pull its repayment leaves no allowance behind', async () => {
    await setMode(2);
    const receipt = await sendRaw(f, 3, f.executor, await executeFrom('aave'));
    expect(receipt.status).toBe('success');
    const allowance = await f.clients.publicClient.readContract({ address: f.tokens.base, abi: ERC20_ABI, functionName: 'allowance', args: [f.executor, rogue] });
    expect(allowance).toBe(0n);
  });

  it('re-entry during a Balancer loan: execute again is ReentrancyGuardReentrantCall; a second callback is UnexpectedCallback', async () => {
    await setMode(3, await executeFrom('balancer'));
    expect((await outcomeOf(f, f.hotKey, f.executor, await executeFrom('balancer'))).name).toBe('ReentrancyGuardReentrantCall');
    await setMode(3, call('withdraw', [f.tokens.base, 1n]));
    expect((await outcomeOf(f, f.hotKey, f.executor, await executeFrom('balancer'))).name).toBe('OwnableUnauthorizedAccount');
    await setMode(4);
    expect((await outcomeOf(f, f.hotKey, f.executor, await executeFrom('balancer'))).name).toBe('UnexpectedCallback');
  });
});
