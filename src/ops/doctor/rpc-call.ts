import WebSocket from 'ws';
import { postJsonRpc, type JsonRpcResponse } from '../../chain/json-rpc-http.ts';

const TIMEOUT_MS = 5000;

/** One JSON-RPC batch over HTTP(S) or WebSocket, for the doctor's one-off probes. */
export async function rpcBatch(url: string, calls: ReadonlyArray<{ method: string; params: readonly unknown[] }>): Promise<JsonRpcResponse[]> {
  if (url.startsWith('http')) return postJsonRpc(url, calls, TIMEOUT_MS);
  const socket = new WebSocket(url, { handshakeTimeout: TIMEOUT_MS });
  try {
    return await new Promise<JsonRpcResponse[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      socket.on('open', () => socket.send(JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: i + 1, method: c.method, params: c.params })))));
      socket.on('message', (data: WebSocket.RawData) => {
        clearTimeout(timer);
        const parsed = JSON.parse(data.toString()) as JsonRpcResponse[];
        resolve(calls.map((_, i) => parsed.find((r) => r.id === i + 1) ?? { error: { code: -1, message: 'no answer for this call' } }));
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`connection failed: ${error.message}`));
      });
    });
  } finally {
    socket.terminate();
  }
}

/** The result of one call, or an Error naming the method. */
export function resultOf(response: JsonRpcResponse | undefined, method: string): unknown {
  if (response === undefined || response.error !== undefined) throw new Error(`${method} failed: ${response?.error?.message ?? 'no answer'}`);
  return response.result;
}
