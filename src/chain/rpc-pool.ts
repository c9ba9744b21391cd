import { custom, type CustomTransport, type Hex } from 'viem';
import { DEFAULT_BACKOFF, sleep, type BackoffOptions } from './backoff.ts';
import { EndpointHealth, type EndpointHealthView } from './endpoint-health.ts';
import { RuntimeFault } from '../errors.ts';
import { AllEndpointsFailedError, EndpointFault, RpcCallError, StateUnavailableError } from './rpc-errors.ts';
import { classifyRpcError, postJsonRpc, type JsonRpcResponse } from './json-rpc-http.ts';
import { postJsonRpcWs, WS_MAX_BATCH } from './json-rpc-ws.ts';

/**
 * A pool of JSON-RPC endpoints (HTTP, or WebSocket: json-rpc-ws.ts, for batches of at most
 * `WS_MAX_BATCH` calls while an HTTP endpoint is configured) with failover: each request goes to the best endpoint that
 * is not benched (highest health score, not lagging behind the others' head); a transport fault
 * benches that endpoint with backoff and jitter and the request moves on to the next one. A
 * JSON-RPC error the node gave on purpose (a revert) is returned to the caller unchanged.
 *
 * An endpoint can be quarantined (`setQuarantined`): the staleness guard found it on another
 * fork than our state, so its answers would describe blocks our state does not have. Reads skip
 * it while any endpoint that is not quarantined can be asked; when none can, it is asked as
 * before (reads never stall on a quarantine; the guard refuses decisions meanwhile). Probes ask
 * every endpoint regardless, which is how a quarantined one is seen agreeing again.
 */

/** One call inside a JSON-RPC batch; the flags mean what they mean for a single request (`RequestOptions`). */
export interface RpcCall {
  method: string;
  params: readonly unknown[];
  /** A `null` result means this endpoint has not seen the data yet: the whole chunk tries another endpoint. */
  requireResult?: boolean;
  /** A "not found" error is this call's answer, given back as a `null` result instead of failing the chunk over. */
  notFoundIsNull?: boolean;
  /**
   * Says why a result cannot be this endpoint's honest answer (e.g. no logs for a block whose
   * bloom says they are there), or undefined to accept it: refused, the chunk fails over like any
   * endpoint fault.
   */
  faultIf?: (result: unknown) => string | undefined;
}

/** The outcome of one call of a batch: its result, or the node's error for that call alone. */
export type RpcBatchResult = { ok: true; result: unknown } | { ok: false; error: RpcCallError };

/** Options of a single request. */
export interface RequestOptions {
  /** A `null` result means this endpoint has not seen the data yet: try another one. */
  requireResult?: boolean;
  /**
   * A "not found" error (what `classifyRpcError` calls node-unready) is the node's answer, given
   * back as `null` instead of failing over: for a block tag like `finalized` that a node may
   * simply not have (geth before the merge: "finalized block not found"), where asking every
   * other endpoint for the whole budget would only delay the caller.
   */
  notFoundIsNull?: boolean;
  /** As `RpcCall.faultIf`: a result it finds a reason against is refused as the endpoint's fault. */
  faultIf?: (result: unknown) => string | undefined;
  signal?: AbortSignal;
}

/** What one endpoint said when probed: its head and, when a height was asked, its block there. */
export interface EndpointProbe {
  /** Its head; null when it did not answer. */
  head: bigint | null;
  /** Its block at the probed height; null when no height was asked, it has none there yet, or did not answer. */
  block: { number: bigint; hash: Hex } | null;
}

/** What `/health` shows per endpoint: its health, and why reads avoid it, if they do. */
export interface PoolEndpointView extends EndpointHealthView {
  /** Why the pool sends no reads here (e.g. on another fork at our block); null when it is not quarantined. */
  quarantined: string | null;
}

/** Pool settings; every field has a default. */
export interface RpcPoolOptions {
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Give up on a request after this long across all endpoints. */
  budgetMs?: number;
  backoff?: BackoffOptions;
  /** An endpoint whose head is more than this many blocks behind the best one is lagging. */
  maxLagBlocks?: number;
  /** Largest number of calls sent in one HTTP batch. */
  maxBatchSize?: number;
  /** Batches of one `batch()` call in flight at once (a node queues the rest anyway, and times out). */
  maxConcurrentBatches?: number;
  /** Idle time for a failed endpoint's score to heal halfway back. */
  recoveryHalfLifeMs?: number;
  /** How long an endpoint found lagging by a probe is ranked last. */
  lagPenaltyMs?: number;
}

/** The endpoint pool. */
export interface RpcPool {
  readonly urls: readonly string[];
  /** Sends one call with failover; resolves to its `result`. */
  request(method: string, params: readonly unknown[], options?: RequestOptions): Promise<unknown>;
  /** Sends calls as JSON-RPC batches (one HTTP request per `maxBatchSize`), results in order. */
  batch(calls: readonly RpcCall[], options?: { signal?: AbortSignal }): Promise<RpcBatchResult[]>;
  /** Asks every endpoint for its head at once; records it for lag detection. */
  probeHeads(): Promise<Map<string, bigint | null>>;
  /**
   * Like `probeHeads`, and asks each endpoint in the same HTTP batch for its block at height
   * `at` (one round trip per endpoint), so the caller can see which endpoints share its fork.
   */
  probe(at?: bigint): Promise<Map<string, EndpointProbe>>;
  /**
   * Quarantines the endpoint at `url` (`reason` says why, for `/health`) or, with null, lets
   * reads use it again. Reads skip quarantined endpoints while another one is available.
   */
  setQuarantined(url: string, reason: string | null): void;
  /** Health per endpoint, for `/health` and metrics. */
  health(): PoolEndpointView[];
  /** A viem transport over this pool, so viem clients get the same failover. */
  transport(): CustomTransport;
}

const isWs = (url: string): boolean => url.startsWith('ws');

/** One batch to `url` over its scheme's transport: WebSocket for ws(s)://, HTTP otherwise. */
function post(url: string, calls: readonly RpcCall[], timeoutMs: number, signal?: AbortSignal): Promise<JsonRpcResponse[]> {
  return isWs(url) ? postJsonRpcWs(url, calls, timeoutMs, signal) : postJsonRpc(url, calls, timeoutMs, signal);
}

/** Builds a pool over `urls` (http(s):// or ws(s)://). */
export function createRpcPool(urls: readonly string[], options: RpcPoolOptions = {}): RpcPool {
  if (urls.length === 0) throw new AllEndpointsFailedError('no RPC endpoint configured');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const budgetMs = options.budgetMs ?? 30_000;
  const maxLag = BigInt(options.maxLagBlocks ?? 3);
  const maxBatchSize = options.maxBatchSize ?? 500;
  const lagPenaltyMs = options.lagPenaltyMs ?? 10_000;
  const maxConcurrent = options.maxConcurrentBatches ?? 2;
  const endpoints = urls.map((url) => new EndpointHealth(url, options.backoff ?? DEFAULT_BACKOFF, options.recoveryHalfLifeMs));
  /** Why reads avoid an endpoint (`setQuarantined`); absent when they do not. */
  const quarantine = new Map<EndpointHealth, string>();

  function setQuarantined(url: string, reason: string | null): void {
    const endpoint = endpoints.find((e) => e.url === url);
    if (endpoint === undefined) throw new RuntimeFault(`cannot quarantine ${url}: not an endpoint of this pool (${urls.join(', ')})`, { details: { url } });
    if (reason === null) quarantine.delete(endpoint);
    else quarantine.set(endpoint, reason);
  }

  /** A batch larger than `WS_MAX_BATCH` goes over HTTP only (a pool of WebSocket endpoints alone sends anything). */
  const someHttp = urls.some((url) => !isWs(url));
  const carries = (endpoint: EndpointHealth, calls: number): boolean => calls <= WS_MAX_BATCH || !someHttp || !isWs(endpoint.url);

  /**
   * Ranks available endpoints that carry a batch of `calls` calls, leaving out quarantined ones unless only those are available:
   * untried first, then not lagging, then those within 0.1 of the best score in the configured
   * order (the primary first), then the rest by score.
   */
  function pick(tried: Set<EndpointHealth>, calls: number): EndpointHealth | undefined {
    const available = endpoints.filter((e) => e.available() && carries(e, calls));
    const trusted = available.filter((e) => !quarantine.has(e));
    const ready = trusted.length > 0 ? trusted : available;
    const best = Math.max(...ready.map((e) => e.currentScore()));
    const good = (e: EndpointHealth): number => (e.score >= best - 0.1 ? 0 : 1);
    ready.sort(
      (a, b) =>
        Number(tried.has(a)) - Number(tried.has(b)) ||
        Number(a.lagging()) - Number(b.lagging()) ||
        good(a) - good(b) ||
        (good(a) === 1 ? b.score - a.score : 0) ||
        endpoints.indexOf(a) - endpoints.indexOf(b),
    );
    return ready[0];
  }

  /** Runs `attempt` on endpoints in rank order until one succeeds or the budget is spent. */
  async function withFailover<T>(label: string, signal: AbortSignal | undefined, calls: number, attempt: (e: EndpointHealth) => Promise<T>): Promise<T> {
    const deadline = Date.now() + budgetMs;
    const tried = new Set<EndpointHealth>();
    const faults: string[] = [];
    /** The last "state pruned" answer: once no endpoint is left untried, the caller's to handle. */
    let stateUnavailable: StateUnavailableError | undefined;
    for (;;) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const endpoint = pick(tried, calls);
      if (stateUnavailable !== undefined && (endpoint === undefined || tried.has(endpoint))) throw stateUnavailable;
      if (endpoint === undefined) {
        // Everyone is benched: wait for the first to come back, within the budget.
        const wake = Math.min(...endpoints.filter((e) => carries(e, calls)).map((e) => e.benchedUntil));
        if (wake >= deadline) break;
        await sleep(Math.max(1, wake - Date.now()), signal);
        continue;
      }
      const started = performance.now();
      try {
        const value = await attempt(endpoint);
        endpoint.success(performance.now() - started);
        return value;
      } catch (error) {
        if (error instanceof StateUnavailableError) {
          // A healthy node without that block's state: another endpoint (an archive node) may have it.
          endpoint.success(performance.now() - started);
          tried.add(endpoint);
          stateUnavailable = error;
          continue;
        }
        if (!(error instanceof EndpointFault)) {
          // The node answered; the endpoint is healthy even if the call failed.
          endpoint.success(performance.now() - started);
          throw error;
        }
        endpoint.failure(error.message, error.retryAfterMs);
        tried.add(endpoint);
        faults.push(error.message);
        if (Date.now() >= deadline) break;
      }
    }
    throw new AllEndpointsFailedError(`${label}: every RPC endpoint failed within ${budgetMs} ms: ${faults.slice(-urls.length).join('; ')}`, {
      details: { label, faults },
    });
  }

  /**
   * One answer of `endpoint` to `call`: its result, or the node's own error for it; a fault (a
   * node behind, rate limiting) is thrown so the caller's failover moves to another endpoint.
   */
  function settle(endpoint: EndpointHealth, call: RpcCall, response: JsonRpcResponse): RpcBatchResult {
    if (response.error) {
      const error = classifyRpcError(call.method, response.error, endpoint.url);
      // Pruned state is the endpoint's answer for the whole batch (same block): asked elsewhere.
      if (error instanceof StateUnavailableError) throw error;
      if (!(error instanceof EndpointFault)) return { ok: false, error };
      if (call.notFoundIsNull && error.kind === 'node-unready') return { ok: true, result: null };
      throw error;
    }
    if (call.requireResult && (response.result === null || response.result === undefined)) {
      throw new EndpointFault(endpoint.url, 'node-unready', `${call.method}(${JSON.stringify(call.params)}) returned null: endpoint behind`);
    }
    const fault = call.faultIf?.(response.result);
    if (fault !== undefined) throw new EndpointFault(endpoint.url, 'bad-response', `${call.method}: ${fault}`);
    if (call.method === 'eth_blockNumber' && typeof response.result === 'string') endpoint.sawHead(BigInt(response.result));
    return { ok: true, result: response.result };
  }

  async function request(method: string, params: readonly unknown[], requestOptions: RequestOptions = {}): Promise<unknown> {
    const call: RpcCall = { method, params, requireResult: requestOptions.requireResult ?? false, notFoundIsNull: requestOptions.notFoundIsNull ?? false, ...(requestOptions.faultIf ? { faultIf: requestOptions.faultIf } : {}) };
    return withFailover(method, requestOptions.signal, 1, async (endpoint) => {
      const [response] = await post(endpoint.url, [call], timeoutMs, requestOptions.signal);
      if (response === undefined) throw new EndpointFault(endpoint.url, 'bad-response', `${method}: empty batch answer`);
      const answer = settle(endpoint, call, response);
      if (!answer.ok) throw answer.error;
      return answer.result;
    });
  }

  /**
   * The largest batch each endpoint took after it refused a larger one (absent: none refused).
   * A provider capping batches (at 100, 50 calls…) refuses every batch over its cap, forever:
   * sent whole and failed over, a 500-call batch failed on every such endpoint. Learned by
   * halving (`postWithinLimit`) and kept for the pool's life; a provider that raises its cap
   * is not asked for more again until the process restarts.
   */
  const learnedBatchLimit = new Map<EndpointHealth, number>();

  /**
   * `calls` to `endpoint`, in batches it takes: over its learned limit, in pieces of that
   * limit; a batch it refuses for its size (`batch-refused`) in halves, one after the other, each
   * halved again while refused. The largest size that goes through after a refusal is its limit
   * (500 refused by a provider capped at 50: 250, 125 and 63 refused, 32 learned). A one-call
   * batch refused is not about size: the limit is forgotten (the endpoint refuses for another
   * reason; learned again once it answers) and the fault fails over.
   */
  async function postWithinLimit(endpoint: EndpointHealth, calls: readonly RpcCall[], signal: AbortSignal | undefined, afterRefusal = false): Promise<JsonRpcResponse[]> {
    const limit = learnedBatchLimit.get(endpoint);
    if (limit !== undefined && calls.length > limit) {
      const answers: JsonRpcResponse[] = [];
      for (let start = 0; start < calls.length; start += limit) answers.push(...(await postWithinLimit(endpoint, calls.slice(start, start + limit), signal)));
      return answers;
    }
    let answers: JsonRpcResponse[];
    try {
      answers = await post(endpoint.url, calls, timeoutMs, signal);
    } catch (error) {
      if (!(error instanceof EndpointFault) || error.kind !== 'batch-refused') throw error;
      if (calls.length === 1) {
        learnedBatchLimit.delete(endpoint);
        throw error;
      }
      // A limit this size or more no longer holds (the provider lowered its cap): learn it again.
      if ((learnedBatchLimit.get(endpoint) ?? 0) >= calls.length) learnedBatchLimit.delete(endpoint);
      const half = Math.ceil(calls.length / 2);
      const first = await postWithinLimit(endpoint, calls.slice(0, half), signal, true);
      return [...first, ...(await postWithinLimit(endpoint, calls.slice(half), signal, true))];
    }
    if (afterRefusal && calls.length > (learnedBatchLimit.get(endpoint) ?? 0)) learnedBatchLimit.set(endpoint, calls.length);
    return answers;
  }

  async function batchChunk(calls: readonly RpcCall[], signal: AbortSignal | undefined): Promise<RpcBatchResult[]> {
    // A fault inside a batch (one call rate-limited, node behind) fails the whole chunk over.
    return withFailover(`batch of ${calls.length}`, signal, calls.length, async (endpoint) => {
      const responses = await postWithinLimit(endpoint, calls, signal);
      return responses.map((response, i) => settle(endpoint, calls[i] as RpcCall, response));
    });
  }

  /**
   * Calls per chunk of `batch()`: `maxBatchSize`, or less once every endpoint has a learned
   * limit (the largest of them), so chunks of a capped provider run `maxConcurrentBatches` at
   * a time instead of one after the other inside one chunk.
   */
  function chunkSize(): number {
    const limits = endpoints.map((e) => learnedBatchLimit.get(e));
    if (limits.some((limit) => limit === undefined)) return maxBatchSize;
    return Math.min(maxBatchSize, Math.max(...(limits as number[])));
  }

  async function batch(calls: readonly RpcCall[], batchOptions: { signal?: AbortSignal } = {}): Promise<RpcBatchResult[]> {
    const size = chunkSize();
    const starts: number[] = [];
    for (let i = 0; i < calls.length; i += size) starts.push(i);
    const results: RpcBatchResult[][] = new Array<RpcBatchResult[]>(starts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < starts.length) {
        const index = next++;
        const start = starts[index] as number;
        results[index] = await batchChunk(calls.slice(start, start + size), batchOptions.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxConcurrent, starts.length) }, worker));
    return results.flat();
  }

  async function probeOne(endpoint: EndpointHealth, at: bigint | undefined): Promise<EndpointProbe> {
    const calls = [{ method: 'eth_blockNumber', params: [] as unknown[] }];
    if (at !== undefined) calls.push({ method: 'eth_getBlockByNumber', params: [`0x${at.toString(16)}`, false] });
    const started = performance.now();
    try {
      const [headAnswer, blockAnswer] = await post(endpoint.url, calls, timeoutMs);
      if (typeof headAnswer?.result !== 'string') throw new EndpointFault(endpoint.url, 'bad-response', 'eth_blockNumber: no result');
      const head = BigInt(headAnswer.result);
      endpoint.success(performance.now() - started);
      endpoint.lastHead = head; // a probe is the truth now, even if lower (the node restarted)
      // No block there (null, or "header not found") means the endpoint has not reached `at`.
      const raw = blockAnswer?.result as { number?: unknown; hash?: unknown } | null | undefined;
      const block = typeof raw?.number === 'string' && typeof raw.hash === 'string' ? { number: BigInt(raw.number), hash: raw.hash as Hex } : null;
      return { head, block };
    } catch (error) {
      endpoint.failure(error instanceof Error ? error.message : String(error));
      return { head: null, block: null };
    }
  }

  async function probe(at?: bigint): Promise<Map<string, EndpointProbe>> {
    const answers = await Promise.all(endpoints.map(async (endpoint) => [endpoint.url, await probeOne(endpoint, at)] as const));
    const best = answers.reduce<bigint | null>((m, [, a]) => (a.head !== null && (m === null || a.head > m) ? a.head : m), null);
    for (const endpoint of endpoints) {
      if (best !== null && endpoint.lastHead !== null && best - endpoint.lastHead > maxLag) {
        endpoint.laggingUntil = Date.now() + lagPenaltyMs;
      }
    }
    return new Map(answers);
  }

  async function probeHeads(): Promise<Map<string, bigint | null>> {
    return new Map([...(await probe()).entries()].map(([url, answer]) => [url, answer.head]));
  }

  return {
    urls,
    request,
    batch,
    probeHeads,
    probe,
    setQuarantined,
    health: () => endpoints.map((e) => ({ ...e.view(), quarantined: quarantine.get(e) ?? null })),
    transport: () => custom({ request: ({ method, params }) => request(method, (params ?? []) as unknown[]) }, { retryCount: 0 }),
  };
}
