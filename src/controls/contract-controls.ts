import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, keccak256, TransactionNotFoundError, TransactionReceiptNotFoundError, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { AuditLog } from '../audit/audit-log.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { InputError, OrionError, RuntimeFault } from '../errors.ts';
import { decodeRevertReason, describeRevert } from '../executor/revert-reason.ts';
import { recordOutcome, recordSigned, unsettledControls, type RecordActor, type SignedControl } from './control-records.ts';

/**
 * The owner's controls of FlashArbExecutor: pause, unpause, withdraw a token to the cold wallet,
 * allow or revoke an executor (hot key). Signed only with the owner key; before anything is
 * sent, the key must be the contract's owner and the call must succeed as an eth_call (so a
 * refusal is one clear error and nothing is sent). Each transaction is recorded in the audit log
 * (control-records.ts) once signed and BEFORE it is sent — a log that cannot record it means
 * nothing is sent — and its outcome once known; while one is sent and not yet mined, another
 * control is refused rather than sent.
 */

export type ContractControl =
  | { kind: 'pause' }
  | { kind: 'unpause' }
  | { kind: 'withdraw'; token: Address; /** Base units; undefined = the contract's whole balance. */ amount?: bigint }
  | { kind: 'allow-executor'; account: Address }
  | { kind: 'revoke-executor'; account: Address };

export interface ControlContext {
  rpcUrl: string;
  executor: Address;
  /** The owner's account (src/executor/live/keys.ts loadOwnerKey). */
  owner: LocalAccount;
  /** Where each transaction is recorded before it is sent (required: an unrecorded control is never sent). */
  audit: AuditLog;
  /** Who asked, as the audit log knows them. */
  actor?: RecordActor;
  /** How long to wait for the receipt before answering "sent, not yet mined" (default 120 s). */
  receiptTimeoutMs?: number;
}

export interface ControlResult {
  control: ContractControl['kind'];
  executor: Address;
  transaction: Hex;
  block: string;
  /** What was done, in words (e.g. "withdrew 12.5 WETH to 0x…"): amounts as decimal strings of base units. */
  detail: Record<string, string>;
}

/** The owner key is not configured: contract controls are unavailable (the API answers 409). */
export class OwnerKeyMissing extends InputError {
  constructor() {
    super('no owner key: contract controls sign with ORION_OWNER_KEYSTORE (+ ORION_OWNER_KEYSTORE_PASSWORD_FILE) or ORION_OWNER_KEY; allowed: set one of them');
  }
}

/** The control would not succeed (wrong owner, nothing to withdraw, the contract refuses): nothing was sent. */
export class ControlRefused extends InputError {}

/** An earlier control's transaction is sent and not yet mined: nothing was sent (a retry would send a second one). */
export class ControlStillPending extends ControlRefused {}

/**
 * The transaction was sent (and recorded) but its receipt did not come in time or could not be
 * read: it may still be mined. Not a failure to retry: the next control first checks it.
 */
export class ControlNotYetMined extends OrionError {
  constructor(readonly control: ContractControl['kind'], readonly executor: Address, readonly transaction: Hex, reason: string) {
    super(
      `${control} sent as transaction ${transaction}, not yet mined (${reason}); it is recorded in the audit log. ` +
      'Look it up by its hash; another contract control is refused while it is pending, and records its outcome once it is mined',
      { details: { control, transaction } },
    );
  }
}

/**
 * The control's transaction went to the node and failed there: refused at the send (nothing is
 * pending) or mined and reverted. Its hash is in the message and in the audit log; the API answers
 * 409 with it (a bare 500 hid it, and the CLI could only say the server failed).
 */
export class ControlFailed extends RuntimeFault {
  constructor(readonly control: ContractControl['kind'], readonly transaction: Hex, readonly outcome: 'not-sent' | 'reverted', message: string, cause?: unknown) {
    super(message, { details: { control, transaction, outcome }, ...(cause === undefined ? {} : { cause }) });
  }
}

/** Default wait for a control's receipt. */
export const RECEIPT_TIMEOUT_MS = 120_000;

/**
 * Per executor contract, the control now between "is an earlier one pending?" and its send. Two
 * controls at once (two admins, two requests) both found none pending, both signed — the second
 * with the first's nonce when the first was not yet sent — and one could record the other's
 * transaction as dropped while it was mined. One at a time, the second finds the first pending
 * (ControlStillPending) once it is sent. In this process only: the owner key belongs on one instance.
 */
const controlTurns = new Map<string, Promise<void>>();

/** Waits for the executor's turn; the returned release (idempotent) hands it to the next control. */
async function turnFor(executor: Address): Promise<() => void> {
  const key = executor.toLowerCase();
  const before = controlTurns.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chained = before.then(() => mine);
  controlTurns.set(key, chained);
  await before;
  return () => {
    release();
    if (controlTurns.get(key) === chained) controlTurns.delete(key);
  };
}

/** Runs one control; throws ControlRefused before sending anything the chain would refuse. */
export async function runContractControl(context: ControlContext, control: ContractControl): Promise<ControlResult> {
  const release = await turnFor(context.executor);
  try {
    return await runInTurn(context, control, release);
  } finally {
    release();
  }
}

/** The control, once it has the executor's turn; `sent` hands the turn on once its transaction is out. */
async function runInTurn(context: ControlContext, control: ContractControl, sent: () => void): Promise<ControlResult> {
  const publicClient = createPublicClient({ transport: http(context.rpcUrl, { retryCount: 0 }) });
  const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
    publicClient.readContract({ address: context.executor, abi: flashArbExecutorAbi, functionName, args } as never) as Promise<T>;

  const code = await publicClient.getCode({ address: context.executor });
  if (code === undefined || code === '0x') throw new ControlRefused(`no contract at ${context.executor}: check ORION_EXECUTOR_ADDRESS`);
  const owner = (await read<Address>('owner')).toLowerCase();
  const signer = context.owner.address.toLowerCase();
  if (owner !== signer) throw new ControlRefused(`the owner key is ${signer} but the contract's owner is ${owner}: nothing sent`);

  await settleEarlier(context, publicClient);
  const { functionName, args, detail } = await describe(control, context, read, publicClient);
  const data = encodeFunctionData({ abi: flashArbExecutorAbi, functionName, args } as never);
  try {
    await publicClient.call({ account: context.owner.address, to: context.executor, data });
  } catch (error) {
    const revert = revertData(error);
    const reason = revert === undefined ? (error as Error).message.split('\n')[0] : describeRevert(decodeRevertReason(revert));
    throw new ControlRefused(`${control.kind} would revert (${reason}): nothing sent`, { details: { control: control.kind } });
  }

  const chainId = await publicClient.getChainId();
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [context.rpcUrl] } } });
  const wallet = createWalletClient({ account: context.owner, chain, transport: http(context.rpcUrl, { retryCount: 0 }) });
  // Signed here and sent below, so that its hash is recorded first: an audit log that cannot
  // record it stops the control with nothing sent.
  const nonce = await publicClient.getTransactionCount({ address: context.owner.address, blockTag: 'pending' });
  const request = await wallet.prepareTransactionRequest({ to: context.executor, data, account: context.owner, chain, nonce });
  const serializedTransaction = await wallet.signTransaction(request);
  const signed = { control: control.kind, executor: context.executor.toLowerCase(), transaction: keccak256(serializedTransaction), nonce: BigInt(nonce), from: context.owner.address };
  const hash = signed.transaction;
  await recordSigned(context.audit, signed, detail, context.actor);

  try {
    await wallet.sendRawTransaction({ serializedTransaction });
  } catch (error) {
    // The node may have taken it before the answer was lost: only one it says it does not know is
    // unsent; when it cannot say, the transaction stays pending in the record.
    const known = await knownTransaction(publicClient, hash).catch(() => 'cannot tell' as const);
    if (known !== 'unknown') throw new ControlNotYetMined(control.kind, context.executor, hash, `its send failed: ${firstLine(error)}`);
    await recordOutcome(context.audit, signed, { status: 'not-sent', reason: firstLine(error) }, detail, context.actor);
    throw new ControlFailed(control.kind, hash, 'not-sent', `${control.kind}: transaction ${hash} was not sent (${firstLine(error)}); nothing is pending`, error);
  }
  // Out and recorded: the next control finds it pending; the receipt is awaited outside the turn.
  sent();
  let receipt;
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: context.receiptTimeoutMs ?? RECEIPT_TIMEOUT_MS });
  } catch (error) {
    throw new ControlNotYetMined(control.kind, context.executor, hash, `no receipt: ${firstLine(error)}`);
  }
  const result = { control: control.kind, executor: context.executor, transaction: hash, block: receipt.blockNumber.toString(), detail };
  try {
    await recordOutcome(context.audit, signed, { status: receipt.status, block: receipt.blockNumber }, detail, context.actor);
  } catch (error) {
    // Mined, and its signed record holds the hash: the next control records the outcome from the
    // chain. The caller is told, with the hash, instead of an error that hides it.
    result.detail = { ...detail, outcomeRecord: `not written (${firstLine(error)}); the next control writes it from the chain` };
  }
  if (receipt.status !== 'success') throw new ControlFailed(control.kind, hash, 'reverted', `${control.kind}: transaction ${hash} reverted in block ${receipt.blockNumber}; recorded in the audit log`);
  return result;
}

/**
 * Before a new control: every earlier one whose outcome is not recorded is looked up on the
 * chain, oldest first. Mined → its outcome is recorded now, with its block; its nonce used by
 * another transaction of its key (mined instead of it) → recorded as replaced: it can never be
 * mined, so it must not hold up the controls after it, even while a node still lists it; still
 * waiting in the node → refused (nothing sent); unknown to the node → recorded as dropped (the new
 * transaction takes its nonce if it is still free, so at most one of them can be mined).
 */
async function settleEarlier(context: ControlContext, publicClient: PublicClient): Promise<void> {
  const { waiting } = await settle(publicClient, context.audit, context.executor, context.owner.address, context.actor ?? { label: 'unknown' });
  const newest = waiting.at(-1);
  if (newest !== undefined) {
    throw new ControlStillPending(
      `an earlier ${newest.control} (transaction ${newest.transaction}, nonce ${newest.nonce}, signed ${newest.at.toISOString()}) is sent and not yet mined: nothing sent; ` +
      `retry once it is mined or dropped (or once another transaction of the owner key with nonce ${newest.nonce} is mined in its place)`,
      { details: { pending: newest.transaction, waiting: waiting.map((control) => control.transaction) } },
    );
  }
}

/** Records the fate of every control without an outcome that the chain can tell; the ones still waiting. */
async function settle(publicClient: PublicClient, audit: AuditLog, executor: Address, owner: Address, actor: RecordActor): Promise<{ recorded: number; waiting: SignedControl[] }> {
  const waiting: SignedControl[] = [];
  let recorded = 0;
  for (const earlier of await unsettledControls(audit, executor)) {
    const fate = await fateOf(publicClient, earlier, (earlier.from ?? owner) as Address);
    if (fate.status === 'pending') {
      waiting.push(earlier);
      continue;
    }
    await recordOutcome(audit, earlier, fate, {}, actor);
    recorded++;
  }
  return { recorded, waiting };
}

/**
 * At start: records what became of every control sent before (mined, replaced, dropped) without
 * waiting for the next control, so the audit log shows the outcome of one that was answered
 * "sent, not yet mined" before a restart. Needs no key (a control signed by a key gone since is
 * looked up under its recorded `from`, else the contract's owner). The still waiting: their hashes.
 */
export async function reconcileControls(rpcUrl: string, executor: Address, audit: AuditLog): Promise<{ recorded: number; waiting: Hex[] }> {
  const publicClient = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const owner = (await publicClient.readContract({ address: executor, abi: flashArbExecutorAbi, functionName: 'owner' })) as Address;
  const { recorded, waiting } = await settle(publicClient, audit, executor, owner, { label: 'reconcile at start' });
  return { recorded, waiting: waiting.map((control) => control.transaction) };
}

/** What became of an earlier control's transaction, as the chain says now. */
async function fateOf(publicClient: PublicClient, earlier: SignedControl, from: Address): Promise<{ status: string; block?: bigint; reason?: string }> {
  // Only "not found" means not mined: any other failure to read stops the control (nothing sent).
  const receiptOf = () => publicClient.getTransactionReceipt({ hash: earlier.transaction }).catch((error: unknown) => {
    if (error instanceof TransactionReceiptNotFoundError) return undefined;
    throw error;
  });
  const mined = (receipt: { status: string; blockNumber: bigint }) => ({ status: receipt.status, block: receipt.blockNumber, reason: 'recorded by a later control' });
  const receipt = await receiptOf();
  if (receipt !== undefined) return mined(receipt);
  const used = BigInt(await publicClient.getTransactionCount({ address: from, blockTag: 'latest' }));
  if (used > earlier.nonce) {
    // Read again: it may have been mined between the two reads, and then it is no replacement.
    const late = await receiptOf();
    if (late !== undefined) return mined(late);
    return { status: 'replaced', reason: `nonce ${earlier.nonce} of ${from.toLowerCase()} was used by another transaction: this one can never be mined` };
  }
  if ((await knownTransaction(publicClient, earlier.transaction)) !== 'unknown') return { status: 'pending' };
  return { status: 'dropped', reason: 'unknown to the node when a later control ran' };
}

/** Whether the node knows a transaction (mined or waiting), or not at all. */
async function knownTransaction(publicClient: PublicClient, hash: Hex): Promise<'pending' | 'mined' | 'unknown'> {
  const transaction = await publicClient.getTransaction({ hash }).catch((error: unknown) => {
    if (error instanceof TransactionNotFoundError) return undefined;
    throw error;
  });
  if (transaction === undefined) return 'unknown';
  return transaction.blockNumber === null ? 'pending' : 'mined';
}

function firstLine(error: unknown): string {
  return (error as Error).message.split('\n')[0] ?? String(error);
}

async function describe(
  control: ContractControl,
  context: ControlContext,
  read: <T>(functionName: string, args?: readonly unknown[]) => Promise<T>,
  publicClient: ReturnType<typeof createPublicClient>,
): Promise<{ functionName: string; args: readonly unknown[]; detail: Record<string, string> }> {
  switch (control.kind) {
    case 'pause':
    case 'unpause':
      return { functionName: control.kind, args: [], detail: {} };
    case 'allow-executor':
    case 'revoke-executor': {
      const account = control.account.toLowerCase() as Address;
      if (/^0x0{40}$/.test(account)) throw new ControlRefused(`${control.kind}: the zero address is not an account: nothing sent`);
      if (account === context.owner.address.toLowerCase()) throw new ControlRefused(`${control.kind}: ${account} is the owner itself; allowed: a separate hot key`);
      return { functionName: 'setExecutor', args: [account, control.kind === 'allow-executor'], detail: { account } };
    }
    case 'withdraw': {
      const token = control.token.toLowerCase() as Address;
      if (/^0x0{40}$/.test(token)) throw new ControlRefused('withdraw: the zero address is not a token: nothing sent');
      const balance = (await publicClient.readContract({ address: token, abi: ERC20_BALANCE_ABI, functionName: 'balanceOf', args: [context.executor] })) as bigint;
      const amount = control.amount ?? balance;
      if (amount === 0n) throw new ControlRefused(`withdraw: the contract holds no ${token}: nothing sent`);
      if (amount > balance) throw new ControlRefused(`withdraw: ${amount} is more than the contract holds (${balance}) of ${token}: nothing sent`);
      const coldWallet = (await read<Address>('coldWallet')).toLowerCase();
      return { functionName: 'withdraw', args: [token, amount], detail: { token, amount: amount.toString(), to: coldWallet } };
    }
  }
}

function revertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === 'string' && data.startsWith('0x')) return data as Hex;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const ERC20_BALANCE_ABI = [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'account', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }] as const;
