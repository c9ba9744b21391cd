import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, type Address, type Hex, type LocalAccount } from 'viem';
import type { AuditLog } from '../audit/audit-log.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { InputError, RuntimeFault } from '../errors.ts';
import { decodeRevertReason, describeRevert } from '../executor/revert-reason.ts';

/**
 * The owner's controls of FlashArbExecutor: pause, unpause, withdraw a token to the cold wallet,
 * allow or revoke an executor (hot key). Signed only with the owner key; before anything is
 * sent, the key must be the contract's owner and the call must succeed as an eth_call (so a
 * refusal is one clear error and nothing is sent). Each control that reaches the chain is
 * recorded in the audit log with its transaction, whether it succeeded or reverted.
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
  audit?: AuditLog;
  /** Who asked, as the audit log knows them. */
  actor?: { label: string; pseudonym?: string };
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

/** Runs one control; throws ControlRefused before sending anything the chain would refuse. */
export async function runContractControl(context: ControlContext, control: ContractControl): Promise<ControlResult> {
  const publicClient = createPublicClient({ transport: http(context.rpcUrl, { retryCount: 0 }) });
  const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
    publicClient.readContract({ address: context.executor, abi: flashArbExecutorAbi, functionName, args } as never) as Promise<T>;

  const code = await publicClient.getCode({ address: context.executor });
  if (code === undefined || code === '0x') throw new ControlRefused(`no contract at ${context.executor}: check ORION_EXECUTOR_ADDRESS`);
  const owner = (await read<Address>('owner')).toLowerCase();
  const signer = context.owner.address.toLowerCase();
  if (owner !== signer) throw new ControlRefused(`the owner key is ${signer} but the contract's owner is ${owner}: nothing sent`);

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
  const hash = await wallet.sendTransaction({ to: context.executor, data, account: context.owner, chain });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  const ok = receipt.status === 'success';
  await context.audit?.append({
    type: `contract.${control.kind}`,
    ...(context.actor?.pseudonym === undefined ? {} : { actor: context.actor.pseudonym }),
    details: { executor: context.executor.toLowerCase(), transaction: hash, block: receipt.blockNumber.toString(), status: receipt.status, ...detail, by: context.actor?.label ?? 'unknown' },
  });
  if (!ok) throw new RuntimeFault(`${control.kind}: transaction ${hash} reverted in block ${receipt.blockNumber}`);
  return { control: control.kind, executor: context.executor, transaction: hash, block: receipt.blockNumber.toString(), detail };
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
