import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAddress, keccak256, parseTransaction, recoverTransactionAddress, verifyMessage, type Address, type Hex } from 'viem';
import { FLASHBOTS_SIGNATURE_HEADER, signedMessageOf } from '../flashbots-signature.ts';

/**
 * TEST CODE — a loopback DOUBLE of a Flashbots-style bundle relay and the builder behind it (an
 * outside service that cannot run here). It speaks the documented JSON-RPC on 127.0.0.1:
 *
 * - every request must carry `X-Flashbots-Signature: address:signature`, verified as Flashbots
 *   does (EIP-191 signature of the hex keccak256 of the body, recovered to that address);
 *   unsigned or wrongly signed requests get HTTP 403 and a -32600 JSON-RPC error;
 * - `eth_callBundle` simulates the bundle's transactions with `eth_call` on anvil at
 *   `stateBlockNumber`, each on that block's state (exact for the one-transaction bundles Orion
 *   sends); a reverting transaction is reported with `error` and `revert`, as the relay does;
 * - `eth_sendBundle` stores {txs, blockNumber, replacementUuid, revertingTxHashes} (a bundle with
 *   the same replacementUuid replaces the earlier one) and answers {bundleHash}.
 *
 * Target blocks are honoured by being the devnet's block builder: the test mines with
 * `buildBlock()` instead of `evm_mine`. Bundles for the block being built are put in it — their
 * transactions go to anvil only then, and anvil orders the block by tip as a builder would — and
 * a bundle stays only if every transaction of it was mined and succeeded (or is listed in
 * `revertingTxHashes`). Otherwise the block is built again without it (`evm_revert` to the
 * snapshot, the block's other transactions re-sent, the bundle's dropped from the pool), so a
 * bundle either lands whole in its target block or leaves no trace, never in a later block.
 * Bundles for blocks already built are discarded.
 */

interface StoredBundle {
  txs: Hex[];
  blockNumber: bigint;
  replacementUuid: string | null;
  revertingTxHashes: string[];
  bundleHash: Hex;
}

/** What the double did with a bundle at a block. */
export interface BundleOutcome {
  block: bigint;
  bundleHash: Hex;
  replacementUuid: string | null;
  outcome: 'included' | 'dropped';
  reason: string | null;
}

/** A request the double received (signed ones only reach the methods). */
export interface ReceivedRequest {
  method: string | null;
  body: string;
  signatureHeader: string | null;
  /** The signer the header named, when it verified. */
  signer: Address | null;
  refused: string | null;
}

export interface RelayDouble {
  readonly url: string;
  readonly received: ReceivedRequest[];
  readonly outcomes: BundleOutcome[];
  /** Whether eth_callBundle is offered (false: answers method-not-found, as some relays do). */
  offersCallBundle: boolean;
  /** Mines the next block as the builder: bundles for it included whole or not at all. */
  buildBlock(): Promise<bigint>;
  stop(): Promise<void>;
}

const rpcError = (id: unknown, code: number, message: string): string => JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
const rpcResult = (id: unknown, result: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, result });
const hex = (n: bigint): Hex => `0x${n.toString(16)}`;

/** Starts the double in front of the anvil at `rpcUrl`. */
export async function startRelayDouble(rpcUrl: string): Promise<RelayDouble> {
  let rpcId = 0;
  async function anvil(method: string, params: unknown[] = []): Promise<unknown> {
    rpcId += 1;
    const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: rpcId, method, params }) });
    const answer = (await response.json()) as { result?: unknown; error?: { message: string; data?: unknown } };
    if (answer.error !== undefined) throw Object.assign(new Error(`${method}: ${answer.error.message}`), { data: answer.error.data });
    return answer.result;
  }

  const bundles: StoredBundle[] = [];
  const received: ReceivedRequest[] = [];
  const outcomes: BundleOutcome[] = [];

  /** The Flashbots check: refusal text, or the verified signer. */
  async function checkSignature(header: string | undefined, body: string): Promise<{ signer: Address } | { refused: string }> {
    if (header === undefined || header === '') return { refused: 'missing flashbots signature' };
    const [address, signature, extra] = header.split(':');
    if (extra !== undefined || address === undefined || signature === undefined || !isAddress(address) || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
      return { refused: 'invalid flashbots signature' };
    }
    const ok = await verifyMessage({ address, message: signedMessageOf(body), signature: signature as Hex }).catch(() => false);
    return ok ? { signer: address } : { refused: 'invalid flashbots signature' };
  }

  async function simulate(txs: readonly Hex[], stateBlock: string): Promise<{ txHash: Hex; error?: string; revert?: string }[]> {
    const results = [];
    for (const raw of txs) {
      const tx = parseTransaction(raw);
      const from = await recoverTransactionAddress({ serializedTransaction: raw as never });
      const txHash = keccak256(raw);
      try {
        await anvil('eth_call', [{ from, to: tx.to, data: tx.data ?? '0x', gas: hex(tx.gas ?? 30_000_000n), value: hex(tx.value ?? 0n) }, stateBlock]);
        results.push({ txHash });
      } catch (error) {
        const data = (error as { data?: unknown }).data;
        results.push({ txHash, error: 'execution reverted', revert: typeof data === 'string' ? data : (error as Error).message });
      }
    }
    return results;
  }

  async function handle(method: string, params: unknown[], id: unknown): Promise<string> {
    if (method === 'eth_callBundle') {
      if (!double.offersCallBundle) return rpcError(id, -32601, 'the method eth_callBundle does not exist/is not available');
      const p = params[0] as { txs: Hex[]; blockNumber: Hex; stateBlockNumber: Hex | 'latest' };
      const results = await simulate(p.txs, p.stateBlockNumber ?? 'latest');
      return rpcResult(id, { bundleHash: keccak256(`0x${p.txs.map((t) => keccak256(t).slice(2)).join('')}`), results, stateBlockNumber: p.stateBlockNumber });
    }
    if (method === 'eth_sendBundle') {
      const p = params[0] as { txs?: Hex[]; blockNumber?: Hex; replacementUuid?: string; revertingTxHashes?: string[] };
      if (!Array.isArray(p?.txs) || p.txs.length === 0 || typeof p.blockNumber !== 'string') return rpcError(id, -32602, 'invalid params: txs and blockNumber are required');
      const bundle: StoredBundle = {
        txs: p.txs, blockNumber: BigInt(p.blockNumber), replacementUuid: p.replacementUuid ?? null,
        revertingTxHashes: (p.revertingTxHashes ?? []).map((h) => h.toLowerCase()),
        bundleHash: keccak256(`0x${p.txs.map((t) => keccak256(t).slice(2)).join('')}${p.blockNumber.slice(2).padStart(16, '0')}`),
      };
      const same = bundle.replacementUuid === null ? -1 : bundles.findIndex((b) => b.replacementUuid === bundle.replacementUuid);
      if (same >= 0) bundles.splice(same, 1, bundle);
      else bundles.push(bundle);
      return rpcResult(id, { bundleHash: bundle.bundleHash });
    }
    return rpcError(id, -32601, `the method ${method} does not exist/is not available`);
  }

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = request.headers[FLASHBOTS_SIGNATURE_HEADER.toLowerCase()] as string | undefined;
    let parsed: { id?: unknown; method?: string; params?: unknown[] } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // Answered below as a parse error once the signature is checked.
    }
    const entry: ReceivedRequest = { method: parsed.method ?? null, body, signatureHeader: header ?? null, signer: null, refused: null };
    received.push(entry);
    const checked = await checkSignature(header, body);
    response.setHeader('content-type', 'application/json');
    if ('refused' in checked) {
      entry.refused = checked.refused;
      response.writeHead(403).end(rpcError(parsed.id ?? null, -32600, checked.refused));
      return;
    }
    entry.signer = checked.signer;
    if (parsed.method === undefined) {
      response.writeHead(400).end(rpcError(null, -32700, 'parse error'));
      return;
    }
    response.writeHead(200).end(await handle(parsed.method, parsed.params ?? [], parsed.id ?? null));
  }

  /** Tries `bundle` on top of the block being built; true when it landed whole. */
  async function tryBundle(bundle: StoredBundle, block: bigint): Promise<boolean> {
    const snapshot = await anvil('evm_snapshot');
    const hashes: Hex[] = [];
    const record = (outcome: BundleOutcome['outcome'], reason: string | null): void =>
      void outcomes.push({ block, bundleHash: bundle.bundleHash, replacementUuid: bundle.replacementUuid, outcome, reason });
    for (const raw of bundle.txs) {
      try {
        hashes.push((await anvil('eth_sendRawTransaction', [raw])) as Hex);
      } catch (error) {
        for (const hash of hashes) await anvil('anvil_dropTransaction', [hash]).catch(() => null);
        record('dropped', `transaction not accepted: ${(error as Error).message}`);
        return false;
      }
    }
    await anvil('evm_mine');
    const receipts = await Promise.all(hashes.map((h) => anvil('eth_getTransactionReceipt', [h]) as Promise<{ status: Hex; blockNumber: Hex } | null>));
    const missing = hashes.filter((_, i) => receipts[i] === null);
    const reverted = hashes.filter((h, i) => receipts[i] !== null && BigInt(receipts[i]!.status) !== 1n && !bundle.revertingTxHashes.includes(h.toLowerCase()));
    if (missing.length === 0 && reverted.length === 0) {
      record('included', null);
      return true;
    }
    for (const hash of missing) await anvil('anvil_dropTransaction', [hash]).catch(() => null);
    if (reverted.length === 0 && missing.length === hashes.length) {
      // Nothing of the bundle made it (e.g. its fee is below the block's base fee): the block stands without it.
      record('dropped', `not includable in block ${block}: ${missing.join(', ')} left out by the block (fee below the base fee?)`);
      return true;
    }
    // Part of the bundle landed or a transaction reverted: build the block again without it.
    const mined = (await anvil('eth_getBlockByNumber', [hex(block), false])) as { transactions: Hex[] };
    const ours = new Set(hashes.map((h) => h.toLowerCase()));
    const others: Hex[] = [];
    for (const hash of mined.transactions) if (!ours.has(hash.toLowerCase())) others.push((await anvil('eth_getRawTransactionByHash', [hash])) as Hex);
    await anvil('evm_revert', [snapshot]);
    for (const hash of hashes) await anvil('anvil_dropTransaction', [hash]).catch(() => null);
    for (const raw of others) await anvil('eth_sendRawTransaction', [raw]).catch(() => null);
    record('dropped', reverted.length > 0 ? `transaction ${reverted.join(', ')} reverted and is not in revertingTxHashes` : `only part of the bundle was mined`);
    return false;
  }

  async function buildBlock(): Promise<bigint> {
    const block = BigInt((await anvil('eth_blockNumber')) as Hex) + 1n;
    let built = false;
    for (const bundle of bundles.filter((b) => b.blockNumber === block)) {
      if (built) {
        outcomes.push({ block, bundleHash: bundle.bundleHash, replacementUuid: bundle.replacementUuid, outcome: 'dropped', reason: 'the double builds one bundle per block' });
        continue;
      }
      built = await tryBundle(bundle, block);
    }
    if (!built) await anvil('evm_mine');
    for (let i = bundles.length - 1; i >= 0; i--) if (bundles[i]!.blockNumber <= block) bundles.splice(i, 1);
    return block;
  }

  const server: Server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(rpcError(null, -32603, (error as Error).message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const double: RelayDouble = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    outcomes,
    offersCallBundle: true,
    buildBlock,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return double;
}
