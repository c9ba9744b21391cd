import { EndpointFault } from './rpc-errors.ts';

/**
 * The JSON-RPC batch both transports send (json-rpc-http.ts, json-rpc-ws.ts): the calls as one
 * array with ids unique in this process, and the answer matched back to the calls by id.
 */

/** A JSON-RPC response object. */
export interface JsonRpcResponse {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

let nextId = 1;

/** The batch's body, its calls numbered from `firstId`. */
export function batchBody(calls: readonly { method: string; params: readonly unknown[] }[]): { firstId: number; body: string } {
  const firstId = nextId;
  nextId += calls.length;
  return { firstId, body: JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: firstId + i, method: c.method, params: c.params }))) };
}

/**
 * An error that refuses a call for the batch's size, not for the call: providers' batch caps
 * ("batch too large" — geth's `--rpc.batch-request-limit` —, "batch size limit", "too many
 * requests in batch", "exceeds the maximum batch size"), and geth's "response too large"
 * (`--rpc.batch-response-max-size`: the calls past the cap get it, each with its own id).
 */
export const BATCH_LIMIT = /batch (size |request )?(is )?too (large|big)|batch (size |request |item )?limit|too many (requests|calls|items) in (the |a |one )?batch|(exceed|over)s? (the )?(max(imum)? )?batch|batch.*exceed|response too large/i;

/** The batch refused as a whole (`EndpointFault` kind `batch-refused`: halved and retried, rpc-pool.ts). */
function batchRefused(url: string, error: { code: number; message: string }): EndpointFault {
  return new EndpointFault(url, 'batch-refused', `batch refused: ${error.message} (code ${error.code})`);
}

/** The answers to `calls` (numbered from `firstId`) in their order, from the node's parsed answer. */
export function matchBatch(url: string, calls: readonly { method: string }[], firstId: number, parsed: unknown): JsonRpcResponse[] {
  if (!Array.isArray(parsed)) {
    const single = parsed as JsonRpcResponse;
    // A one-call batch answered with that call's own reply (not an array, but its id).
    if (calls.length === 1 && single.id === firstId && (single.error !== undefined || 'result' in single)) return [single];
    // The batch itself refused with one error object and no id (e.g. -32600 "batch size too
    // large"): the endpoint's fault, not each call's. Copied onto every call, it read as each
    // call's own error: nothing failed over, and the pool loader excluded the batch's pools one
    // by one, for good, each blamed for the refusal.
    if (single.error) throw batchRefused(url, single.error);
    throw new EndpointFault(url, 'bad-response', 'batch answer is not an array');
  }
  const byId = new Map<number, JsonRpcResponse>();
  for (const item of parsed as JsonRpcResponse[]) if (typeof item.id === 'number') byId.set(item.id, item);
  if (calls.length > 1) {
    // geth answers a batch over its limit with ONE error carrying the first call's id ("batch
    // too large", -32600), and the calls past its response cap each with "response too large";
    // other providers name their batch limit per call. None is the call's own error: the
    // batch's size is refused.
    const sizeRefusal = (parsed as JsonRpcResponse[]).find((item) => item?.error !== undefined && BATCH_LIMIT.test(String(item.error.message)));
    if (sizeRefusal?.error !== undefined) throw batchRefused(url, sizeRefusal.error);
    // One error, and no reply to any other call: the batch refused whole, whatever it says.
    const [only] = parsed as JsonRpcResponse[];
    if (parsed.length === 1 && only?.error !== undefined) throw batchRefused(url, only.error);
  }
  return calls.map((c, i) => {
    const found = byId.get(firstId + i);
    if (!found) throw new EndpointFault(url, 'bad-response', `batch answer lacks the reply to ${c.method}`);
    return found;
  });
}
