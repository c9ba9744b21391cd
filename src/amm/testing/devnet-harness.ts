import { encodeFunctionData, erc20Abi, maxUint256, type Abi, type Address, type Hex } from 'viem';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { mintTestTokens } from '../../devnet/test-token.ts';
import { anvilRequest, sendAll } from '../../devnet/transactions.ts';
import type { Snapshot } from '../../market/snapshot.ts';

/**
 * The chain side of the differential tests: a devnet seeded with the pools under test, one
 * trader funded and approved for every token, and a chain snapshot that each case reverts to.
 * Transactions go out with a fixed nonce and explicit gas and fees (every case starts from the
 * same reverted state), so a case costs a handful of round trips and no estimation.
 */

/** Each token given to the trader: more than any case can spend (amounts stay below 2^254). */
const TRADER_FUNDING = 1n << 254n;
/** Gas for one test transaction: a swap across thousands of empty bitmap words costs tens of millions. */
const TX_GAS = 3_000_000_000n;

/** A seeded chain ready for cases. */
export interface Harness {
  devnet: Devnet;
  trader: Address;
  /** The snapshot of the pools with their local addresses. */
  local: Snapshot;
  /** Block every case starts from. */
  startBlock: bigint;
  /** Trader nonce at the start of every case. */
  nonce: number;
  /** The trader's balance of each token at the start of every case. */
  balances: Map<string, bigint>;
  checkpoint: string;
  /** Transactions sent so far: makes every transaction's hash unique (see traderTx). */
  sent: number;
  /** First line of the last revert traderCall saw, for failure messages. */
  lastRevert: string;
}

/** Starts a devnet with `snapshot`'s pools (no cache: random pools are one-off) and prepares the trader. */
export async function startHarness(snapshot: Snapshot, spenders: (d: Devnet) => Address[]): Promise<Harness> {
  const devnet = await startDevnet({ snapshot, cacheDir: false });
  try {
    const { clients, seeded } = devnet;
    const trader = clients.accounts[1]!;
    const tokens = [...seeded.tokenAddress.values()] as Address[];
    await mintTestTokens(clients, tokens, trader.address, TRADER_FUNDING);
    await sendAll(clients, tokens.flatMap((token) => spenders(devnet).map((spender) => ({
      label: `approve ${spender} for ${token}`, to: token, gas: 100_000n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, maxUint256] }),
    }))), { from: trader, fewBlocks: true });
    const balances = new Map<string, bigint>();
    const read = await Promise.all(tokens.map((t) => clients.publicClient.readContract({ address: t, abi: erc20Abi, functionName: 'balanceOf', args: [trader.address] })));
    tokens.forEach((t, i) => balances.set(t.toLowerCase(), read[i]!));
    const [startBlock, nonce, checkpoint] = await Promise.all([
      clients.publicClient.getBlockNumber({ cacheTime: 0 }),
      clients.publicClient.getTransactionCount({ address: trader.address }),
      anvilRequest(clients, 'evm_snapshot') as Promise<string>,
    ]);
    return { devnet, trader: trader.address, local: seeded.localSnapshot, startBlock, nonce, balances, checkpoint, sent: 0, lastRevert: '' };
  } catch (error) {
    await devnet.stop();
    throw error;
  }
}

/** Back to the state every case starts from (anvil drops a snapshot once reverted to: take it again). */
export async function resetHarness(h: Harness): Promise<void> {
  const ok = await anvilRequest(h.devnet.clients, 'evm_revert', [h.checkpoint]);
  if (ok !== true) throw new Error(`evm_revert to ${h.checkpoint} failed`);
  // Rarely (about 1 case in 600) a transaction of the reverted blocks came back to anvil's pool
  // and blocked the next case's nonce ("replacement transaction underpriced"): empty the pool.
  await anvilRequest(h.devnet.clients, 'anvil_dropAllTransactions');
  h.checkpoint = (await anvilRequest(h.devnet.clients, 'evm_snapshot')) as string;
}

/**
 * Sends a transaction from the trader (anvil's unlocked account) with nonce `start + offset` and
 * resolves to whether it succeeded. Anvil keeps receipts of blocks a revert threw away, so a
 * case repeating an earlier transaction byte for byte would find the old receipt before its own
 * is mined: a priority fee of `sent` wei makes every hash new, and the block number is checked.
 */
export async function traderTx(h: Harness, to: Address, data: Hex, offset = 0): Promise<boolean> {
  h.sent += 1;
  const hash = (await anvilRequest(h.devnet.clients, 'eth_sendTransaction', [{
    from: h.trader, to, data, gas: `0x${TX_GAS.toString(16)}`, nonce: `0x${(h.nonce + offset).toString(16)}`,
    maxFeePerGas: '0x2540be400', maxPriorityFeePerGas: `0x${h.sent.toString(16)}`,
  }])) as Hex;
  const block = h.startBlock + 1n + BigInt(offset);
  for (let attempt = 0; attempt < 200; attempt++) {
    const receipt = (await anvilRequest(h.devnet.clients, 'eth_getTransactionReceipt', [hash])) as { status: Hex; blockNumber: Hex } | null;
    if (receipt !== null) {
      if (BigInt(receipt.blockNumber) !== block) throw new Error(`transaction ${hash} mined in block ${BigInt(receipt.blockNumber)}, expected ${block}`);
      return receipt.status === '0x1';
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`transaction ${hash} was not mined`);
}

/** eth_call from the trader; resolves to the decoded result, or `undefined` when it reverts. */
export async function traderCall<T>(h: Harness, address: Address, abi: Abi, functionName: string, args: readonly unknown[], blockNumber?: bigint): Promise<T | undefined> {
  try {
    const options = { address, abi, functionName, args, account: h.trader, gas: TX_GAS };
    return (await h.devnet.clients.publicClient.readContract(blockNumber === undefined ? options : { ...options, blockNumber })) as T;
  } catch (error) {
    if (error instanceof Error && /revert/i.test(error.message)) {
      h.lastRevert = error.message.split('\n').slice(0, 3).join(' | ');
      return undefined;
    }
    throw error;
  }
}

/** The trader's balances of `tokens` now, in order. */
export async function traderBalances(h: Harness, tokens: readonly Address[]): Promise<bigint[]> {
  return Promise.all(tokens.map((t) => h.devnet.clients.publicClient.readContract({ address: t, abi: erc20Abi, functionName: 'balanceOf', args: [h.trader] })));
}
