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
    if (single.error) throw new EndpointFault(url, 'bad-response', `batch refused: ${single.error.message} (code ${single.error.code})`);
    throw new EndpointFault(url, 'bad-response', 'batch answer is not an array');
  }
  const byId = new Map<number, JsonRpcResponse>();
  for (const item of parsed as JsonRpcResponse[]) if (typeof item.id === 'number') byId.set(item.id, item);
  return calls.map((c, i) => {
    const found = byId.get(firstId + i);
    if (!found) throw new EndpointFault(url, 'bad-response', `batch answer lacks the reply to ${c.method}`);
    return found;
  });
}
