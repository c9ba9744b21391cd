import { createPublicClient, http, webSocket, type Address, type PublicClient } from 'viem';
import type { Config } from '../config.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { keyConfigured, keySource, loadHotKey } from '../executor/live/keys.ts';
import { exactTokenAmount } from '../format/token-amount.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { Limits } from '../orchestrator/limits.ts';
import { largestGasLimit } from '../orchestrator/plan.ts';
import { currentLimits, type LimitsVersion } from '../risk-controls/limits-repository.ts';
import type { Queryable } from '../store/types.ts';

/**
 * The pre-flight checks of live mode, each run on its own and reported with its result: one
 * failing check never hides another, so an operator sees every problem at once. Nothing here
 * signs or sends; the hot key is decrypted only to learn its address.
 */

/** One check's result. `detail` says what was found (and on failure, what to do). */
export interface CheckResult {
  name: CheckName;
  ok: boolean;
  detail: string;
}

export const CHECK_NAMES = ['key', 'signer-allowed', 'contract-code', 'owner-and-cold-wallet', 'rpc-fresh', 'chain-id', 'limits', 'gas-balance', 'relays'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** The whole validation. */
export interface ValidationReport {
  passed: boolean;
  checks: CheckResult[];
  /** The hot key's address when it could be opened (lower-case). */
  hotKey: Address | undefined;
  chainId: number | undefined;
  at: Date;
}

/** What the checks look at: the chain (an RPC URL), the contract, the settings. */
export interface ValidationTarget {
  config: Pick<
    Config,
    'privateKey' | 'keystore' | 'keystorePasswordFile' | 'ownerKey' | 'ownerKeystore' | 'ownerKeystorePasswordFile' | 'coldWallet' | 'maxFeePerGas' | 'gasReserveTxs' | 'maxHops' | 'gasLimitMarginBps' | 'hotKeyAddress'
  >;
  rpcUrl: string;
  /** The chain id the platform follows (its snapshot's); undefined = whatever the RPC says. */
  expectedChainId: number | undefined;
  /** The FlashArbExecutor; undefined = no contract on this chain (the contract checks fail). */
  executor: Address | undefined;
  /** Bundle submission: the relay URLs that must answer (ORION_SUBMIT=bundle). Empty or undefined = public submission. */
  relayUrls?: readonly string[];
  /**
   * Gas one execution reserves as the running engine counts its gas money (the largest gas limit
   * of its recent plans, V3 tick crossings included, at least the gas table's largest route:
   * src/engine/gas-per-execution.ts). Absent (no engine running, or no executor to plan for):
   * the gas table's largest route, which crosses no tick.
   */
  gasPerExecution?: bigint;
  /**
   * The base tokens every route of the engine starts and ends in (lowercase addresses), resolved
   * when the check runs the way the engine resolves them (src/engine/base-tokens.ts): each needs
   * a `max_daily_loss`. A throw (a base the market lacks) fails `limits` with its message.
   */
  baseTokens: () => readonly HexAddress[];
  /** The followed market's tokens: the `limits` detail names amounts in token units with symbols. */
  tokens: TokenDirectory;
  /** Oldest acceptable head, in seconds behind the clock (default 120). */
  maxHeadAgeSeconds?: number;
  now?: () => Date;
}

const DEFAULT_MAX_HEAD_AGE = 120;


/**
 * Runs every check against `target`; never throws for a failing check (it is reported). `db` is
 * the deployment's database (the mode service's store): `limits` reads the limits in force there.
 */
export async function validateLive(target: ValidationTarget, db: Queryable): Promise<ValidationReport> {
  const now = target.now ?? (() => new Date());
  const client = createPublicClient({ transport: /^wss?:/.test(target.rpcUrl) ? webSocket(target.rpcUrl) : http(target.rpcUrl, { retryCount: 0, timeout: 10_000 }) }) as PublicClient;
  const checks: CheckResult[] = [];
  const add = (name: CheckName, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });
  const attempt = async (name: CheckName, run: () => Promise<[boolean, string]>): Promise<void> => {
    try {
      const [ok, detail] = await run();
      add(name, ok, detail);
    } catch (error) {
      add(name, false, (error as Error).message.split('\n')[0] ?? String(error));
    }
  };

  let hotKey: Address | undefined;
  await attempt('key', async () => {
    if (!keyConfigured(target.config, 'hot')) return [false, 'no hot key: set ORION_KEYSTORE (+ ORION_KEYSTORE_PASSWORD_FILE) or ORION_PRIVATE_KEY'];
    hotKey = (await loadHotKey(target.config)).address.toLowerCase() as Address;
    if (target.config.hotKeyAddress !== undefined && target.config.hotKeyAddress !== hotKey) {
      return [false, `${keySource(target.config, 'hot')} holds ${hotKey} but ORION_HOT_KEY_ADDRESS is ${target.config.hotKeyAddress}; allowed: the same address`];
    }
    return [true, `${keySource(target.config, 'hot')} opens: ${hotKey}`];
  });

  let chainId: number | undefined;
  await attempt('chain-id', async () => {
    chainId = await client.getChainId();
    if (target.expectedChainId !== undefined && chainId !== target.expectedChainId) return [false, `the RPC is on chain ${chainId}, the platform follows chain ${target.expectedChainId}`];
    return [true, `chain ${chainId}`];
  });

  await attempt('rpc-fresh', async () => {
    const head = await client.getBlock({ blockTag: 'latest' });
    const age = Math.round(now().getTime() / 1000 - Number(head.timestamp));
    const limit = target.maxHeadAgeSeconds ?? DEFAULT_MAX_HEAD_AGE;
    return [age <= limit, `head ${head.number} is ${age} s old (at most ${limit} s allowed)`];
  });

  const executor = target.executor;
  const read = async <T>(functionName: 'owner' | 'coldWallet' | 'isExecutor' | 'paused', args: readonly unknown[] = []): Promise<T> =>
    (await client.readContract({ address: executor as Address, abi: flashArbExecutorAbi, functionName, args } as never)) as T;
  if (executor === undefined) {
    for (const name of ['contract-code', 'signer-allowed', 'owner-and-cold-wallet'] as const) add(name, false, 'no executor contract: set ORION_EXECUTOR_ADDRESS');
  } else {
    await attempt('contract-code', async () => {
      const code = await client.getCode({ address: executor });
      if (code === undefined || code === '0x') return [false, `no code at ${executor}`];
      const coldWallet = await read<Address>('coldWallet');
      // The one immutable (coldWallet) sits in the deployed code; zero it to compare with the compiled code.
      const padded = coldWallet.slice(2).toLowerCase().padStart(64, '0');
      const normalised = code.toLowerCase().split(padded).join('0'.repeat(64));
      const expected = (await loadArtifact('FlashArbExecutor')).deployedBytecode.toLowerCase();
      return normalised === expected ? [true, `FlashArbExecutor at ${executor} matches contracts/FlashArbExecutor.sol`] : [false, `the code at ${executor} is not this version's FlashArbExecutor (${(code.length - 2) / 2} bytes)`];
    });
    await attempt('signer-allowed', async () => {
      if (hotKey === undefined) return [false, 'the hot key could not be opened (see key)'];
      const [owner, allowed, paused] = await Promise.all([read<Address>('owner'), read<boolean>('isExecutor', [hotKey]), read<boolean>('paused')]);
      if (paused) return [false, `the contract is paused: orion contract unpause (owner key) first`];
      if (owner.toLowerCase() === hotKey) return [false, `the hot key ${hotKey} is the contract's owner; allowed: a separate hot key allowed with orion contract allow-executor`];
      return allowed ? [true, `${hotKey} is an allowed executor`] : [false, `${hotKey} is not allowed by the contract: orion contract allow-executor ${hotKey}`];
    });
    await attempt('owner-and-cold-wallet', async () => {
      const [owner, coldWallet] = await Promise.all([read<Address>('owner'), read<Address>('coldWallet')]);
      if (/^0x0{40}$/.test(owner)) return [false, 'the contract has no owner'];
      if (target.config.coldWallet === undefined) return [false, `ORION_COLD_WALLET is unset (the contract pays ${coldWallet.toLowerCase()}); allowed: that address`];
      if (target.config.coldWallet !== coldWallet.toLowerCase()) return [false, `ORION_COLD_WALLET is ${target.config.coldWallet} but the contract pays ${coldWallet.toLowerCase()}`];
      return [true, `owner ${owner.toLowerCase()}, cold wallet ${coldWallet.toLowerCase()}`];
    });
  }

  const cap = target.config.maxFeePerGas;
  await attempt('limits', async () => limitsCheck(cap, await currentLimits(db), target.baseTokens(), target.tokens));

  await attempt('gas-balance', async () => {
    if (hotKey === undefined) return [false, 'the hot key could not be opened (see key)'];
    if (cap === undefined) return [false, 'no fee cap to price gas at (see limits)'];
    const table = largestGasLimit(target.config.maxHops, target.config.gasLimitMarginBps);
    const engineFigureLarger = target.gasPerExecution !== undefined && target.gasPerExecution > table;
    const gas = engineFigureLarger ? target.gasPerExecution! : table;
    const perExecution = gas * cap;
    const need = perExecution * BigInt(target.config.gasReserveTxs);
    const balance = await client.getBalance({ address: hotKey });
    const pays = balance / perExecution;
    const each = engineFigureLarger ? `${gas} gas each, as the engine's recent plans reserve` : `${gas} gas each, the largest route's`;
    return [balance >= need, `${hotKey} holds ${balance} wei: ${pays} executions at the cap (${each}); ${target.config.gasReserveTxs} needed (ORION_GAS_RESERVE_TXS), ${need} wei`];
  });

  const relays = target.relayUrls ?? [];
  if (relays.length > 0) {
    await attempt('relays', async () => {
      const failures: string[] = [];
      for (const url of relays) {
        const problem = await relayProblem(url);
        if (problem !== undefined) failures.push(`${url}: ${problem}`);
      }
      return failures.length === 0 ? [true, `${relays.length} relay(s) answer`] : [false, failures.join('; ')];
    });
  }
  return { passed: checks.every((c) => c.ok), checks, hotKey, chainId, at: now() };
}

/**
 * The `limits` check: a fee cap (ORION_MAX_FEE_PER_GAS) and, in the limits in force, a
 * `max_daily_loss` for every base token: live trades lose money only as gas (a flash-loan
 * route that does not repay with profit reverts), and the daily-loss breaker, gas included, is
 * what bounds a day of it; a limit for a token no route starts in bounds nothing.
 *
 * `max_input` is not required. The input is borrowed and repaid within the same transaction,
 * so its size is not money at risk: the contract reverts unless the base balance grew by the
 * plan's minimum profit, and a revert costs gas, which max_daily_loss counts. A desk may still
 * bound sizes (market impact, the spec's "maximum size per token"): the detail lists any
 * max_input in force for a base, so the operator sees whether sizes are bounded.
 */
export function limitsCheck(cap: bigint | undefined, inForce: LimitsVersion | undefined, bases: readonly HexAddress[], tokens: TokenDirectory): [boolean, string] {
  const problems: string[] = [];
  if (cap === undefined) problems.push('ORION_MAX_FEE_PER_GAS is unset: live mode needs a fee cap');
  if (inForce === undefined) {
    problems.push(`the limits were never seeded (the limits table has no version), so no max_daily_loss bounds a day's loss in ${labels(bases, tokens)}: start the platform once (it writes version 1 at boot), then ${setCommand(bases, tokens)}`);
    return [false, problems.join('; ')];
  }
  const { maxDailyLoss, maxInput } = inForce.limits;
  const missing = bases.filter((token) => maxDailyLoss[token] === undefined);
  if (missing.length > 0) {
    problems.push(`limits version ${inForce.version} has no max_daily_loss for ${labels(missing, tokens)} (each base token needs one: nothing else bounds a day's loss): ${setCommand(missing, tokens)}`);
  }
  if (problems.length > 0) return [false, problems.join('; ')];
  const perBase = (field: Limits['maxDailyLoss']): string =>
    bases.filter((token) => field[token] !== undefined).map((token) => `${tokens.label(token)} ${inTokenUnits(token, field[token]!, tokens)}`).join(', ');
  const sizes = perBase(maxInput);
  return [true, `fee cap ${cap} wei per gas; max_daily_loss ${perBase(maxDailyLoss)}; ${sizes === '' ? 'no max_input (optional)' : `max_input ${sizes}`} (limits version ${inForce.version})`];
}

function labels(list: readonly HexAddress[], tokens: TokenDirectory): string {
  return list.map((token) => tokens.label(token)).join(', ');
}

/**
 * `orion limits set max_daily_loss.WETH=AMOUNT …` (AMOUNT in token units), naming a token by
 * its symbol when that names it alone (the command refuses a shared symbol), else by address.
 */
function setCommand(missing: readonly HexAddress[], tokens: TokenDirectory): string {
  const name = (token: HexAddress): string => (tokens.label(token) === tokens.get(token)?.symbol ? tokens.label(token) : token);
  return `set each in token units (AMOUNT: the most a UTC day may lose, gas included): orion limits set ${missing.map((token) => `max_daily_loss.${name(token)}=AMOUNT`).join(' ')}`;
}

/** `0.5` (token units) for a known token, `N base units` for one the directory lacks. */
function inTokenUnits(token: HexAddress, amount: bigint, tokens: TokenDirectory): string {
  const known = tokens.get(token);
  return known === undefined ? `${amount} base units` : exactTokenAmount(amount, known.decimals);
}

/** Why a relay is unusable, or undefined when it answers HTTP at all (a relay answers unsigned requests with an error, which is fine). */
async function relayProblem(url: string): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `scheme ${parsed.protocol.replace(/:$/, '')} is not http(s)`;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}', signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    return undefined;
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}

/** The relays the `relays` check must reach: ORION_RELAY_URLS in bundle mode, none in public mode. */
export function relaysToCheck(config: Pick<Config, 'submit' | 'relayUrls'>): readonly string[] {
  return config.submit === 'bundle' ? config.relayUrls : [];
}

/** Which checks failed, one line each (for the boot refusal and the CLI). */
export function failedChecks(report: ValidationReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}
