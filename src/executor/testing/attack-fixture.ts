import { BaseError, decodeErrorResult, type Address, type Hex, type TransactionReceipt } from 'viem';
import { flashArbExecutorAbi } from '../../contracts/abis/FlashArbExecutor.ts';
import { loadArtifact } from '../../contracts/compile.ts';
import { testERC20Abi } from '../../contracts/abis/TestERC20.ts';
import { createV2Pair, createV3Pool, deployOurs, POOL_DEPTH, send, type ExecutorFixture } from './executor-fixture.ts';

/**
 * Test-only helpers of the attack suites: what a call reverts with (decoded against the
 * executor's and OpenZeppelin's errors), raw transactions that may revert, and markets for the
 * misbehaving tokens of contracts/test/attack/.
 */

const REVERT_ABI = [...flashArbExecutorAbi, ...testERC20Abi.filter((item) => item.type === 'error')];

/** How a call ended: 'success', or the decoded error name ('Error' for require strings, 'empty' for no data). */
export interface CallOutcome {
  name: string;
  args: readonly unknown[];
}

/** eth_call of `data` to `to` from `from` on the latest state; never throws for a revert. */
export async function outcomeOf(f: ExecutorFixture, from: Address, to: Address, data: Hex): Promise<CallOutcome> {
  try {
    await f.clients.publicClient.call({ account: from, to, data, gas: 5_000_000n });
    return { name: 'success', args: [] };
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const found = error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data?: Hex } | null;
    const revert = found?.data;
    if (revert === undefined || revert === '0x') return { name: 'empty', args: [] };
    try {
      const decoded = decodeErrorResult({ abi: REVERT_ABI, data: revert });
      return { name: decoded.errorName, args: (decoded.args ?? []) as readonly unknown[] };
    } catch {
      return { name: `unknown:${revert.slice(0, 10)}`, args: [] };
    }
  }
}

/** Sends a transaction that is allowed to revert (explicit gas: no estimation) and returns its receipt. */
export async function sendRaw(f: ExecutorFixture, from: number, to: Address, data: Hex): Promise<TransactionReceipt> {
  const { walletClient, publicClient, accounts } = f.clients;
  const hash = await walletClient.sendTransaction({ account: accounts[from]!, to, data, gas: 5_000_000n, chain: walletClient.chain });
  return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

/** Pools of one odd token X against the fixture's base token. */
export interface OddMarket {
  token: Address;
  /** fork V2, 1.1 X per base (buy X here). */
  forkV2: Address;
  /** Uniswap V2, 1 X per base (sell X here). */
  uniV2: Address;
  /** V3 0.30 %, `v3Price` X per base; absent for fee-on-transfer tokens (V3's mint rejects them). */
  v3?: Address;
}

/** Deploys test token `name` (a contracts/test/attack token) and its pools; `v3Price` is [num, den] of X per base. */
export async function oddTokenMarket(f: ExecutorFixture, name: string, v3Price?: [bigint, bigint]): Promise<OddMarket> {
  const { clients } = f;
  const token = await deployOurs(clients, name);
  const { abi } = await loadArtifact(name);
  await send(clients, token, abi, 'mint', [clients.accounts[0]!.address, 10_000n * POOL_DEPTH]);
  const d = POOL_DEPTH;
  const market: OddMarket = {
    token,
    forkV2: await createV2Pair(clients, f.forkFactory, f.tokens.base, token, d, (d * 11n) / 10n),
    uniV2: await createV2Pair(clients, f.uni.v2Factory, f.tokens.base, token, d, d),
  };
  if (v3Price !== undefined) market.v3 = await createV3Pool(clients, f.uni, f.tokens.base, token, 3000, v3Price, d);
  return market;
}
