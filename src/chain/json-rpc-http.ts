import { postJson, type HttpAnswer } from './http-post.ts';
import { batchBody, matchBatch, type JsonRpcResponse } from './json-rpc-batch.ts';
import { EndpointFault, RpcCallError, StateUnavailableError } from './rpc-errors.ts';

export type { JsonRpcResponse } from './json-rpc-batch.ts';

/**
 * JSON-RPC over HTTP, always as a batch array (one element for a single call): one code path,
 * and anvil, geth and the big providers all accept batches. Transport problems become
 * `EndpointFault`s; node answers come back as they are, matched to calls by id.
 */

/** Posts `calls` as one batch; resolves to their responses in the order of `calls`. */
export async function postJsonRpc(
  url: string,
  calls: readonly { method: string; params: readonly unknown[] }[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<JsonRpcResponse[]> {
  const { firstId, body } = batchBody(calls);
  // One controller and one timer per request, the caller's signal linked by a listener removed
  // after: AbortSignal.timeout + AbortSignal.any cost ~3x the CPU on every request of the path
  // from head to broadcast, and left a listener on the caller's signal until it was collected.
  const request = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = (): void => request.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let response: HttpAnswer;
  try {
    response = await postJson(url, body, request.signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    if (timedOut) throw new EndpointFault(url, 'timeout', `no answer within ${timeoutMs} ms`, { cause: error });
    throw new EndpointFault(url, 'network', `connection failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (response.status === 429) {
    const retryAfter = Number(response.retryAfter);
    throw new EndpointFault(url, 'rate-limited', 'HTTP 429 rate limited', {
      status: 429,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  // 413 Payload Too Large: the request body (the batch) is over the endpoint's size limit.
  if (response.status === 413 && calls.length > 1) throw new EndpointFault(url, 'batch-refused', `batch refused: HTTP 413 for ${calls.length} calls`, { status: 413 });
  if (response.status < 200 || response.status > 299) throw new EndpointFault(url, 'http', `HTTP ${response.status}`, { status: response.status });
  const text = response.text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EndpointFault(url, 'bad-response', `answer is not JSON: ${text.slice(0, 80)}`, { cause: error });
  }
  return matchBatch(url, calls, firstId, parsed);
}

/** Provider phrasings for "your getLogs range returns too much": the caller shrinks its range. */
export const TOO_MANY_RESULTS = /too many|more than \d+ results|query returned more|limit exceeded.*results|response size|block range|range is too (large|wide)|exceed.*(range|results)/i;
const NODE_UNREADY = /header not found|unknown block|block not found|resource not found|not synced|syncing/i;
/** A node that pruned the state at the block asked for (geth's hash and path schemes, reth, and "state … not available" at large). */
const STATE_UNAVAILABLE = /missing trie node|state (?:(?:0x)?[0-9a-f]+ )?(?:is )?not available|historical state unavailable|state (?:at block \S+ )?(?:is |has been )?pruned/i;
const RATE_LIMITED = /rate limit|too many requests|capacity|throttl/i;

/**
 * Sorts a JSON-RPC error: "too many results" and reverts go back to the caller; a node that is
 * behind or rate-limiting is an endpoint fault, so the pool fails over; a node that pruned the
 * block's state is a StateUnavailableError (other endpoints asked, then the caller re-pins).
 */
export function classifyRpcError(method: string, error: { code: number; message: string; data?: unknown }, url: string): RpcCallError | EndpointFault {
  const message = String(error.message ?? '');
  if (TOO_MANY_RESULTS.test(message)) return new RpcCallError(method, error.code, message, error.data, url);
  if (STATE_UNAVAILABLE.test(message)) return new StateUnavailableError(method, error.code, message, error.data, url);
  if (NODE_UNREADY.test(message)) return new EndpointFault(url, 'node-unready', `${method}: ${message}`);
  if (RATE_LIMITED.test(message) || error.code === -32005 || error.code === 429) {
    return new EndpointFault(url, 'rate-limited', `${method}: ${message}`);
  }
  // -32603 internal error: the node failed, not the call (reverts carry code 3 or say "revert").
  if (error.code === -32603 && !/revert/i.test(message)) return new EndpointFault(url, 'http', `${method}: internal error: ${message}`);
  return new RpcCallError(method, error.code, message, error.data, url);
}
