import { TransactionReceiptNotFoundError, type Address, type Hex, type TransactionReceipt } from 'viem';
import { RuntimeFault } from '../errors.ts';
import type { DevnetClients } from './clients.ts';

/**
 * Sending a burst of transactions from one account on the local chain: nonces assigned up
 * front and gas given explicitly, so nothing waits on estimation and the burst works under
 * automine and interval mining alike; every receipt is checked and a revert names its step.
 */

/** One transaction of a burst: `to` absent deploys `data` as creation code. */
export interface TxRequest {
  /** What the transaction does, for error messages ("deploy UniswapV2Factory"). */
  label: string;
  to?: Address;
  data: Hex;
  gas: bigint;
  value?: bigint;
}

/** Options of {@link sendAll}. */
export interface SendAllOptions {
  /** Signer; `accounts[0]` by default. */
  from?: Signer;
  /**
   * Under automine, mine the whole burst in as few blocks as the gas limit allows instead of a
   * block per transaction: anvil's per-block work over a growing state dominates a seeding
   * burst of thousands of storage writes.
   */
  fewBlocks?: boolean;
  /** How the wait for the receipts ends early ({@link ReceiptWait}). */
  wait?: ReceiptWait;
}

/** When {@link checkReceipts} stops waiting before its 120 s limit. */
export interface ReceiptWait {
  /**
   * Give up, at a new block, once a transaction is one the node no longer knows (neither mined
   * nor pending): a reorg, a reverted snapshot, a drop, or anvil evicting it when its fee cap fell
   * below the base fee. One only waiting its turn (a full block) is waited for. The burst's
   * others still pending are dropped from the pool first: behind the gap they would wait for a
   * nonce nobody fills, and the next burst starts on a clean nonce.
   */
  untilGone?: boolean;
  /** Asked every poll: false ends the wait at once (the sender is stopping). */
  wanted?: () => boolean;
}

type Signer = DevnetClients['accounts'][number];

/** Sends `requests` in order and returns their receipts in order; a revert names its step. */
export async function sendAll(
  clients: DevnetClients,
  requests: readonly TxRequest[],
  options: SendAllOptions = {},
): Promise<TransactionReceipt[]> {
  const { hashes } = await sendBurst(clients, requests, options);
  return checkReceipts(clients, requests, hashes, options.wait);
}

/**
 * Sends `requests` in order without reading receipts (a seeding burst's receipts are tens of
 * megabytes of logs). `mined` says whether every transaction is already in a block (automine);
 * otherwise {@link checkReceipts} waits for them.
 */
export async function sendBurst(
  clients: DevnetClients,
  requests: readonly TxRequest[],
  options: SendAllOptions = {},
): Promise<{ hashes: Hex[]; mined: boolean }> {
  const { publicClient } = clients;
  const from = options.from ?? clients.accounts[0]!;
  const automine = (await anvilRequest(clients, 'anvil_getAutomine')) === true;
  if (!automine || options.fewBlocks !== true) return { hashes: await sendEach(clients, requests, from), mined: automine };
  await anvilRequest(clients, 'evm_setAutomine', [false]);
  try {
    const hashes = await sendEach(clients, requests, from);
    // A burst larger than one block's gas limit takes several blocks: mine until none is pending.
    for (;;) {
      await anvilRequest(clients, 'evm_mine');
      const [mined, sent] = await Promise.all([
        publicClient.getTransactionCount({ address: from.address, blockTag: 'latest' }),
        publicClient.getTransactionCount({ address: from.address, blockTag: 'pending' }),
      ]);
      if (mined === sent) break;
    }
    return { hashes, mined: true };
  } finally {
    await anvilRequest(clients, 'evm_setAutomine', [true]);
  }
}

/** A receipt wait called off by its sender ({@link ReceiptWait.wanted}): nothing failed. */
export class ReceiptWaitCalledOff extends RuntimeFault {}

/** Waits for the receipts of a burst, in order; throws on the first revert, naming its step. */
export async function checkReceipts(clients: DevnetClients, requests: readonly TxRequest[], hashes: readonly Hex[], wait: ReceiptWait = {}): Promise<TransactionReceipt[]> {
  const receipts = await waitForReceipts(clients, hashes, wait);
  receipts.forEach((receipt, i) => {
    if (receipt.status !== 'success') {
      throw new RuntimeFault(`${requests[i]!.label}: transaction reverted (gas used ${receipt.gasUsed} of ${requests[i]!.gas})`, {
        details: { hash: receipt.transactionHash },
      });
    }
  });
  return receipts;
}

/** How long a local-chain transaction may take to be mined before we call it lost. */
const RECEIPT_TIMEOUT_MS = 120_000;

/**
 * Waits until every transaction of `hashes` is mined, asking for receipts only when the chain
 * has a new block (its number polled every 50 ms): polling each receipt every 50 ms cost a
 * request and a thrown not-found error per pending transaction, which in `npm start` (the noise
 * flow waits for its swaps in the platform's own process) was a steady load on the event loop
 * the API and the engine share. Not viem's waitForTransactionReceipt: its block watcher fetches
 * blocks by number outside the awaited promise, and a `BlockNotFoundError` there (a chain loaded
 * from a state dump keeps only recent blocks) escapes as an unhandled rejection that kills the
 * process (wevm/viem#760, #1378).
 */
async function waitForReceipts(clients: DevnetClients, hashes: readonly Hex[], wait: ReceiptWait): Promise<TransactionReceipt[]> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  const receipts: (TransactionReceipt | undefined)[] = hashes.map(() => undefined);
  let checkedAt: bigint | undefined;
  const missing = (which: (i: number) => boolean): string => {
    const listed = hashes.filter((_, i) => which(i));
    return `transaction${listed.length > 1 ? 's' : ''} ${listed.join(', ')}`;
  };
  for (;;) {
    if (wait.wanted?.() === false) throw new ReceiptWaitCalledOff(`${missing((i) => receipts[i] === undefined)}: no longer waited for (the sender is stopping)`);
    const head = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
    if (head !== checkedAt) {
      checkedAt = head;
      await Promise.all(hashes.map(async (hash, i) => {
        receipts[i] ??= await clients.publicClient.getTransactionReceipt({ hash }).catch((error: unknown) => {
          // Not mined yet: asked again at the next block. Anything else (the chain is gone) ends the wait at once.
          if (error instanceof TransactionReceiptNotFoundError) return undefined;
          throw error;
        });
      }));
      if (receipts.every((receipt) => receipt !== undefined)) return receipts as TransactionReceipt[];
      if (wait.untilGone === true) {
        const known = await Promise.all(hashes.map((hash, i) => (receipts[i] === undefined ? anvilRequest(clients, 'eth_getTransactionByHash', [hash]) : true)));
        // Mined between the two reads: its receipt is read at the next block.
        if (known.some((answer) => answer === null)) {
          for (const [i, hash] of hashes.entries()) if (receipts[i] === undefined && known[i] !== null) await anvilRequest(clients, 'anvil_dropTransaction', [hash]).catch(() => null);
          throw new RuntimeFault(`${missing((i) => known[i] === null)} gone: neither mined nor pending (removed by a reorg, a reverted snapshot or a drop)`);
        }
      }
    }
    if (Date.now() > deadline) throw new RuntimeFault(`${missing((i) => receipts[i] === undefined)} not mined within ${RECEIPT_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An anvil-specific JSON-RPC method (not in viem's typed schema). */
export async function anvilRequest(clients: DevnetClients, method: string, params: unknown[] = []): Promise<unknown> {
  const request = clients.publicClient.request as unknown as (args: { method: string; params: unknown[] }) => Promise<unknown>;
  return request({ method, params });
}

async function sendEach(clients: DevnetClients, requests: readonly TxRequest[], from: Signer): Promise<Hex[]> {
  const { publicClient, walletClient } = clients;
  let nonce = await publicClient.getTransactionCount({ address: from.address, blockTag: 'pending' });
  const block = await publicClient.getBlock({ blockTag: 'latest' });
  // Twice the base fee covers several blocks of base-fee growth; unused fee is not charged.
  const maxFeePerGas = (block.baseFeePerGas ?? 1_000_000_000n) * 2n + 1_000_000_000n;
  const hashes: Hex[] = [];
  for (const request of requests) {
    const common = {
      account: from, chain: walletClient.chain, data: request.data, gas: request.gas, nonce: nonce++,
      maxFeePerGas, maxPriorityFeePerGas: 1_000_000_000n, value: request.value ?? 0n,
    };
    try {
      hashes.push(await walletClient.sendTransaction(request.to === undefined ? common : { ...common, to: request.to }));
    } catch (cause) {
      throw new RuntimeFault(`${request.label}: transaction rejected: ${shortMessage(cause)}`, { cause });
    }
  }
  return hashes;
}

/** The short message of a viem error (its first line), or the message of any other error. */
export function shortMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'shortMessage' in error && typeof error.shortMessage === 'string') {
    return error.shortMessage;
  }
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
