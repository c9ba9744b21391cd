import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * TEST CODE — a fault injector, the one kind of fake the house rules allow. A JSON-RPC proxy on
 * loopback in front of a real anvil that can answer 429 or 500, answer `null` (a load-balanced
 * provider under load does, now and then) or an empty list (no logs), hang (a timeout), pretend to lag
 * behind the head, answer like a node without the `finalized` block tag, keep listing a
 * transaction as pending after it can no longer be mined, drop its WebSocket
 * connections, switch to another anvil (a node that resynced onto another fork), keep serving
 * blocks a reorg took off the chain by hash (as geth serves side-chain blocks), or refuse state
 * reads of old blocks (a node that prunes state, as geth does by default), so failover
 * is tested against real faults on a real socket while every honest answer still comes from a
 * real chain.
 */

/** Which parameter of each state-reading method names the block it reads at. */
const STATE_READ_BLOCK_PARAM: Record<string, number> = {
  eth_call: 1, eth_simulateV1: 1, eth_getBalance: 1, eth_getCode: 1, eth_getTransactionCount: 1, eth_estimateGas: 1, eth_createAccessList: 1, eth_getStorageAt: 2, eth_getProof: 2,
};

/** A fault applied to the next `count` HTTP requests. */
export type HttpFault = '429' | '500' | 'timeout';

/** How a batch over the cap is refused (`setMaxBatchSize`). */
export type BatchRefusalStyle = 'geth' | 'no-id' | '413';

/** A running proxy. */
export interface FaultInjectingProxy {
  url: string;
  wsUrl: string;
  /** The next `count` HTTP requests get this fault. */
  inject(fault: HttpFault, count: number): void;
  /**
   * Reports heads `blocks` behind the real one (0 = honest): the head, the blocks by number or by
   * hash and the logs by block hash of the last `blocks` blocks look absent, as on a node behind.
   */
  setLag(blocks: number): void;
  /** Like many providers, refuse `eth_getLogs` answers longer than `n` logs (undefined = no cap). */
  setMaxLogs(n: number | undefined): void;
  /**
   * Answers `eth_getBlockByNumber("finalized" | "safe")` as geth does before the merge ("finalized
   * block not found"), so a test sees a node without the tag (false = honest).
   */
  setNoFinalizedTag(on: boolean): void;
  /** The next `count` HTTP requests are refused whole: one error object without an id (JSON-RPC's answer to a batch it will not take). */
  refuseBatches(count: number): void;
  /**
   * Refuses every HTTP batch of more than `calls` calls (undefined = no cap), as a provider
   * capping its batches does: `geth` as geth's `--rpc.batch-request-limit` answers (one error,
   * -32600 "batch too large", carrying the first call's id), `no-id` one error object without an
   * id, `413` HTTP 413 Payload Too Large. The sizes refused are in `refusedBatchSizes`.
   */
  setMaxBatchSize(calls: number | undefined, style?: BatchRefusalStyle): void;
  /** The size of each batch refused by `setMaxBatchSize`'s cap, in order. */
  refusedBatchSizes: number[];
  /** The next `count` answers to `method` come back with a `null` result (a malformed answer). */
  nullResults(method: string, count: number): void;
  /**
   * The next `count` answers to `method` come back with an empty list: for `eth_getLogs`, a node
   * whose log index lags its blocks, or a faulty endpoint, answering "no logs" where there are.
   */
  emptyResults(method: string, count: number): void;
  /**
   * Keeps answering `eth_getTransactionByHash(hash)` with `transaction` (as captured while it
   * waited: no block), as a node whose mempool never evicted it does after its nonce was used.
   */
  keepListing(hash: string, transaction: unknown): void;
  /**
   * Remembers every block answered while on, and answers `eth_getBlockByHash` for one the node
   * has forgotten (anvil drops reorged-out blocks) with the remembered block, as geth and many
   * providers answer for a block reorged onto a side chain (false = honest, and forgets them).
   */
  setServeOrphans(on: boolean): void;
  /**
   * Answers state reads (`eth_call`, `eth_getBalance`, `eth_getCode`, `eth_getStorageAt`, …)
   * pinned to a block more than `blocks` under the head with the error a pruning node gives
   * (geth keeps ~128 blocks of state): -32000 and `message` (default geth's hash-scheme "missing
   * trie node …"). undefined = honest, every block's state kept (anvil's way).
   */
  pruneStateOlderThan(blocks: number | undefined, message?: string): void;
  /** Answers `method` as a node without it does (-32601 "does not exist/is not available"); false = forward it again. */
  setUnsupported(method: string, unsupported: boolean): void;
  /** Forwards to another node from now on (e.g. one that followed another fork). */
  setUpstream(upstream: string): void;
  /** Closes every open WebSocket connection now; `refuse` also refuses new ones. */
  dropWebSockets(refuse?: boolean): void;
  /** Requests seen, by outcome, for assertions. */
  stats: { forwarded: number; faulted: number };
  /** The methods of each HTTP request forwarded (one list per request, a batch's in order): round trips, counted. */
  forwardedCalls: string[][];
  close(): Promise<void>;
}

interface RpcMessage {
  id?: unknown;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: unknown;
}

/** Starts a proxy in front of `upstream` (http://127.0.0.1:PORT of an anvil). */
export async function startFaultInjectingProxy(firstUpstream: string): Promise<FaultInjectingProxy> {
  let upstream = firstUpstream;
  let target = new URL(upstream);
  const faults: HttpFault[] = [];
  let lag = 0;
  let maxLogs: number | undefined;
  let noFinalizedTag = false;
  /** Per method, the results the next answers are replaced with, in order. */
  const replaced = new Map<string, unknown[]>();
  let refusals = 0;
  let maxBatchSize: { calls: number; style: BatchRefusalStyle } | undefined;
  const refusedBatchSizes: number[] = [];
  const stale = new Map<string, unknown>();
  let pruning: { keep: bigint; message: string } | undefined;
  const unsupported = new Set<string>();
  /** Blocks seen by hash while serving orphans (null = off). */
  let seenBlocks: Map<string, unknown> | null = null;
  let refuseWs = false;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const stats = { forwarded: 0, faulted: 0 };
  const forwardedCalls: string[][] = [];

  async function forward(body: string): Promise<string> {
    const response = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return response.text();
  }

  async function realHead(): Promise<bigint> {
    const answer = JSON.parse(await forward(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'eth_blockNumber', params: [] }))) as RpcMessage;
    return BigInt(answer.result as string);
  }

  /** The height of the block with this hash, null when the node has none. */
  async function heightOf(blockHash: string): Promise<bigint | null> {
    const answer = JSON.parse(await forward(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'eth_getBlockByHash', params: [blockHash, false] }))) as RpcMessage;
    const number = (answer.result as { number?: unknown } | null | undefined)?.number;
    return typeof number === 'string' ? BigInt(number) : null;
  }

  /** Rewrites one call so the node looks `lag` blocks behind. */
  async function lagged(call: RpcMessage, answer: RpcMessage, head: bigint): Promise<RpcMessage> {
    const visible = head - BigInt(lag);
    if (call.method === 'eth_blockNumber') return { ...answer, result: `0x${visible.toString(16)}` };
    if (call.method === 'eth_getBlockByHash') {
      const number = (answer.result as { number?: unknown } | null | undefined)?.number;
      if (typeof number === 'string' && BigInt(number) > visible) return { ...answer, result: null };
    }
    const blockHash = (call.params?.[0] as { blockHash?: unknown } | undefined)?.blockHash;
    if (call.method === 'eth_getLogs' && typeof blockHash === 'string') {
      // As geth and anvil answer logs by a hash they do not know.
      const height = await heightOf(blockHash);
      if (height !== null && height > visible) return { jsonrpc: '2.0', id: answer.id, error: { code: -32000, message: 'unknown block' } } as RpcMessage;
    }
    if (call.method === 'eth_getBlockByNumber') {
      const tag = call.params?.[0];
      if (tag === 'latest') {
        const older = JSON.parse(await forward(JSON.stringify({ jsonrpc: '2.0', id: call.id, method: 'eth_getBlockByNumber', params: [`0x${visible.toString(16)}`, false] }))) as RpcMessage;
        return older;
      }
      if (typeof tag === 'string' && tag.startsWith('0x') && BigInt(tag) > visible) return { ...answer, result: null };
    }
    return answer;
  }

  /** Rewrites each answer of a (batch) response with `rewrite(its call, it)`. */
  function mapAnswers(body: string, text: string, rewrite: (call: RpcMessage | undefined, answer: RpcMessage) => RpcMessage): string {
    const calls = JSON.parse(body) as RpcMessage | RpcMessage[];
    const answers = JSON.parse(text) as RpcMessage | RpcMessage[];
    if (Array.isArray(answers)) {
      const list = Array.isArray(calls) ? calls : [calls];
      return JSON.stringify(answers.map((a) => rewrite(list.find((c) => JSON.stringify(c.id) === JSON.stringify(a.id)), a)));
    }
    return JSON.stringify(rewrite(Array.isArray(calls) ? calls[0] : calls, answers));
  }

  function capLogs(body: string, text: string, cap: number): string {
    return mapAnswers(body, text, (call, answer) =>
      call?.method === 'eth_getLogs' && Array.isArray(answer.result) && answer.result.length > cap
        ? ({ id: answer.id, error: { code: -32005, message: `query returned more than ${cap} results` } } as RpcMessage)
        : answer,
    );
  }

  /** The answers, with the `finalized`/`safe` tag refused as a pre-merge geth refuses it. */
  function withoutFinalizedTag(body: string, text: string): string {
    return mapAnswers(body, text, (call, answer) => {
      const tag = call?.params?.[0];
      const refused = call?.method === 'eth_getBlockByNumber' && (tag === 'finalized' || tag === 'safe');
      return refused ? ({ jsonrpc: '2.0', id: answer.id, error: { code: -32000, message: `${String(tag)} block not found` } } as RpcMessage) : answer;
    });
  }

  /** The answers, with blocks the node forgot answered by hash from `seen` (which learns every block answered). */
  function servingOrphans(body: string, text: string, seen: Map<string, unknown>): string {
    return mapAnswers(body, text, (call, answer) => {
      if (call?.method !== 'eth_getBlockByHash' && call?.method !== 'eth_getBlockByNumber') return answer;
      const hash = (answer.result as { hash?: unknown } | null | undefined)?.hash;
      if (typeof hash === 'string') seen.set(hash.toLowerCase(), answer.result);
      const asked = String(call.params?.[0]).toLowerCase();
      return call.method === 'eth_getBlockByHash' && answer.result === null && seen.has(asked) ? { ...answer, result: seen.get(asked) } : answer;
    });
  }

  function replaceResults(method: string, result: unknown, count: number): void {
    const queue = replaced.get(method) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(result);
    replaced.set(method, queue);
  }

  /** The height a state read is pinned to (tag, number, or EIP-1898 object); null for latest/pending/safe/finalized. */
  async function pinnedHeight(block: unknown): Promise<bigint | null> {
    if (block === 'earliest') return 0n;
    if (typeof block === 'string') return block.startsWith('0x') ? BigInt(block) : null;
    const pinned = block as { blockHash?: unknown; blockNumber?: unknown } | undefined;
    if (typeof pinned?.blockHash === 'string') return heightOf(pinned.blockHash);
    return typeof pinned?.blockNumber === 'string' ? BigInt(pinned.blockNumber) : null;
  }

  /** The answers, with state reads of blocks more than `keep` under the head refused as a pruning node refuses them. */
  async function withPrunedState(body: string, text: string, rule: { keep: bigint; message: string }): Promise<string> {
    const calls = JSON.parse(body) as RpcMessage | RpcMessage[];
    const list = Array.isArray(calls) ? calls : [calls];
    const head = await realHead();
    const pruned = new Set<string>();
    for (const call of list) {
      const index = STATE_READ_BLOCK_PARAM[String(call.method)];
      const height = index === undefined ? null : await pinnedHeight(call.params?.[index]);
      if (height !== null && height < head - rule.keep) pruned.add(JSON.stringify(call.id));
    }
    if (pruned.size === 0) return text;
    return mapAnswers(body, text, (_call, answer) =>
      pruned.has(JSON.stringify(answer.id)) ? ({ jsonrpc: '2.0', id: answer.id, error: { code: -32000, message: rule.message } } as RpcMessage) : answer,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const fault = faults.shift();
    if (fault !== undefined) {
      stats.faulted += 1;
      if (fault === 'timeout') {
        hanging.add(res); // never answered; the client's timeout must fire
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(Number(fault), fault === '429' ? { 'retry-after': '0' } : {});
      res.end(fault === '429' ? 'rate limited (injected)' : 'internal error (injected)');
      return;
    }
    if (refusals > 0) {
      refusals -= 1;
      stats.faulted += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch size too large (injected)' } }));
      return;
    }
    const sent = JSON.parse(body) as RpcMessage | RpcMessage[];
    if (maxBatchSize !== undefined && Array.isArray(sent) && sent.length > maxBatchSize.calls) {
      refusedBatchSizes.push(sent.length);
      stats.faulted += 1;
      if (maxBatchSize.style === '413') {
        res.writeHead(413);
        res.end('request entity too large (injected)');
        return;
      }
      const refusal = { jsonrpc: '2.0', id: maxBatchSize.style === 'geth' ? sent[0]?.id : null, error: { code: -32600, message: 'batch too large' } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(maxBatchSize.style === 'geth' ? [refusal] : refusal));
      return;
    }
    stats.forwarded += 1;
    forwardedCalls.push((Array.isArray(sent) ? sent : [sent]).map((c) => String(c.method)));
    let text = await forward(body);
    if (maxLogs !== undefined) text = capLogs(body, text, maxLogs);
    if (noFinalizedTag) text = withoutFinalizedTag(body, text);
    if (replaced.size > 0) {
      text = mapAnswers(body, text, (call, answer) => {
        const queue = replaced.get(String(call?.method));
        if (queue === undefined || queue.length === 0 || answer.error !== undefined) return answer;
        return { jsonrpc: '2.0', id: answer.id, result: queue.shift() } as RpcMessage;
      });
    }
    if (stale.size > 0) {
      text = mapAnswers(body, text, (call, answer) => {
        const listed = call?.method === 'eth_getTransactionByHash' ? stale.get(String(call.params?.[0]).toLowerCase()) : undefined;
        return listed === undefined ? answer : { ...answer, result: listed };
      });
    }
    if (seenBlocks !== null) text = servingOrphans(body, text, seenBlocks);
    if (pruning !== undefined) text = await withPrunedState(body, text, pruning);
    if (unsupported.size > 0) {
      text = mapAnswers(body, text, (call, answer) =>
        unsupported.has(String(call?.method)) ? ({ jsonrpc: '2.0', id: answer.id, error: { code: -32601, message: `the method ${String(call?.method)} does not exist/is not available` } } as RpcMessage) : answer,
      );
    }
    if (lag > 0) {
      const calls = JSON.parse(body) as RpcMessage | RpcMessage[];
      const answers = JSON.parse(text) as RpcMessage | RpcMessage[];
      const head = await realHead();
      if (Array.isArray(calls) && Array.isArray(answers)) {
        const byId = new Map(answers.map((a) => [JSON.stringify(a.id), a]));
        const rewritten = await Promise.all(calls.map(async (c) => lagged(c, byId.get(JSON.stringify(c.id)) ?? {}, head)));
        text = JSON.stringify(rewritten);
      } else if (!Array.isArray(calls) && !Array.isArray(answers)) {
        text = JSON.stringify(await lagged(calls, answers, head));
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  // WebSocket: tunnel the upgrade to anvil's port byte for byte, keeping the sockets to drop them.
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    if (refuseWs) {
      client.destroy();
      return;
    }
    const upstreamSocket = connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`);
      upstreamSocket.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstreamSocket.write(head);
      client.pipe(upstreamSocket).pipe(client);
    });
    for (const s of [client, upstreamSocket]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    inject: (fault, count) => {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    setLag: (blocks) => {
      lag = blocks;
    },
    setMaxLogs: (n) => {
      maxLogs = n;
    },
    setNoFinalizedTag: (on) => {
      noFinalizedTag = on;
    },
    refuseBatches: (count) => {
      refusals += count;
    },
    setMaxBatchSize: (calls, style = 'geth') => {
      maxBatchSize = calls === undefined ? undefined : { calls, style };
    },
    refusedBatchSizes,
    nullResults: (method, count) => replaceResults(method, null, count),
    emptyResults: (method, count) => replaceResults(method, [], count),
    keepListing: (hash, transaction) => {
      stale.set(hash.toLowerCase(), transaction);
    },
    pruneStateOlderThan: (blocks, message = 'missing trie node 8c4b1d2f7ae9e4c0a3b5d6e7f80912a3b4c5d6e7f8091a2b3c4d5e6f708192a3 (path ) <nil>') => {
      pruning = blocks === undefined ? undefined : { keep: BigInt(blocks), message };
    },
    setUnsupported: (method, on) => {
      if (on) unsupported.add(method);
      else unsupported.delete(method);
    },
    setServeOrphans: (on) => {
      seenBlocks = on ? (seenBlocks ?? new Map()) : null;
    },
    setUpstream: (next) => {
      upstream = next;
      target = new URL(next);
    },
    dropWebSockets: (refuse = false) => {
      refuseWs = refuse;
      for (const s of sockets) s.destroy();
    },
    stats,
    forwardedCalls,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
