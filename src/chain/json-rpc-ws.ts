import WebSocket from 'ws';
import { batchBody, matchBatch, type JsonRpcResponse } from './json-rpc-batch.ts';
import { EndpointFault } from './rpc-errors.ts';

/**
 * JSON-RPC over a WebSocket: the same batch as over HTTP (json-rpc-batch.ts), the same
 * `EndpointFault`s for transport problems, over one long-lived connection per URL shared by every
 * pool of the process (as the HTTP agent shares its sockets). One message each way and no HTTP
 * framing: on loopback to anvil ~60–90 µs a round trip and ~50–90 µs of CPU, against ~220–300 µs
 * and ~240–460 µs over kept-alive HTTP (docs/BENCHMARKS.md), for the requests between a head and
 * its send.
 *
 * The connection opens on the first request and again on the first request after it closed;
 * a close or error fails every request in flight on it (the pool fails them over). While no
 * request is in flight its socket does not hold the process open, like an idle kept-alive one.
 */

interface Waiting {
  calls: readonly { method: string }[];
  firstId: number;
  resolve(answers: JsonRpcResponse[]): void;
  reject(error: unknown): void;
}

/** One connection to `url` and the requests waiting on it, by each of their calls' ids. */
class WsConnection {
  private socket: WebSocket | undefined;
  private opened: Promise<WebSocket> | undefined;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly url: string) {}

  /** The open socket, opening one when there is none (within `timeoutMs`). */
  private open(timeoutMs: number): Promise<WebSocket> {
    if (this.opened !== undefined) return this.opened;
    const socket = new WebSocket(this.url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
    this.socket = socket;
    this.opened = new Promise<WebSocket>((resolve, reject) => {
      socket.once('open', () => resolve(socket));
      socket.once('error', (error) => reject(new EndpointFault(this.url, 'network', `connection failed: ${error.message}`, { cause: error })));
    });
    this.opened.catch(() => undefined); // awaited by the request that opened it
    socket.on('message', (data) => this.answer(data.toString()));
    const lost = (why: string): void => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.opened = undefined;
      this.failAll(new EndpointFault(this.url, 'network', why));
    };
    socket.on('close', (code) => lost(`connection closed (${code})`));
    socket.on('error', (error) => lost(`connection failed: ${error.message}`));
    return this.opened;
  }

  private answer(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not ours to answer; the request it belonged to times out
    }
    const ids = Array.isArray(parsed) ? (parsed as JsonRpcResponse[]).map((item) => item.id) : [(parsed as JsonRpcResponse).id];
    const id = ids.find((i): i is number => typeof i === 'number');
    // A whole batch refused with one error object has no id: it can only be the one request waiting.
    const waiting = id !== undefined ? this.waiting.get(id) : new Set(this.waiting.values()).size === 1 ? this.waiting.values().next().value : undefined;
    if (waiting === undefined) return; // a subscription message, or an answer after its timeout
    this.settle(waiting);
    try {
      waiting.resolve(matchBatch(this.url, waiting.calls, waiting.firstId, parsed));
    } catch (error) {
      waiting.reject(error);
    }
  }

  private settle(waiting: Waiting): void {
    for (let i = 0; i < waiting.calls.length; i++) this.waiting.delete(waiting.firstId + i);
    // Idle: the socket no longer holds the process open (an HTTP agent unrefs its free sockets so).
    if (this.waiting.size === 0) socketOf(this.socket)?.unref();
  }

  private failAll(error: EndpointFault): void {
    const all = new Set(this.waiting.values());
    this.waiting.clear();
    for (const waiting of all) waiting.reject(error);
  }

  async post(calls: readonly { method: string; params: readonly unknown[] }[], timeoutMs: number, signal?: AbortSignal): Promise<JsonRpcResponse[]> {
    if (signal?.aborted) throw signal.reason;
    const { firstId, body } = batchBody(calls);
    return new Promise<JsonRpcResponse[]>((resolve, reject) => {
      // The closures below run only after `timer` is set (all of them once the request is out).
      const onAbort = (): void => giveUp(signal!.reason);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        then();
      };
      const waiting: Waiting = {
        calls, firstId,
        resolve: (answers) => finish(() => resolve(answers)),
        reject: (error) => finish(() => reject(error)),
      };
      for (let i = 0; i < calls.length; i++) this.waiting.set(firstId + i, waiting);
      const giveUp = (error: unknown): void => {
        if (this.waiting.get(firstId) !== waiting) return;
        this.settle(waiting);
        waiting.reject(error);
      };
      const timer = setTimeout(() => giveUp(new EndpointFault(this.url, 'timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const send = (socket: WebSocket): void => {
        socketOf(socket)?.ref();
        socket.send(body, (error) => {
          if (error !== undefined && error !== null) giveUp(new EndpointFault(this.url, 'network', `send failed: ${error.message}`, { cause: error }));
        });
      };
      // The common case, an open socket, sends in this same turn.
      if (this.socket?.readyState === WebSocket.OPEN) send(this.socket);
      else this.open(timeoutMs).then(send, giveUp);
    });
  }

  close(): void {
    this.socket?.terminate();
  }
}

/** The TCP socket under a ws WebSocket (the library keeps it as `_socket`), to ref and unref it. */
function socketOf(socket: WebSocket | undefined): { ref(): void; unref(): void } | undefined {
  return (socket as unknown as { _socket?: { ref(): void; unref(): void } } | undefined)?._socket;
}

const connections = new Map<string, WsConnection>();

/** Sends `calls` as one batch over the connection to `url` (ws: or wss:); answers in the order of `calls`. */
export function postJsonRpcWs(url: string, calls: readonly { method: string; params: readonly unknown[] }[], timeoutMs: number, signal?: AbortSignal): Promise<JsonRpcResponse[]> {
  let connection = connections.get(url);
  if (connection === undefined) connections.set(url, (connection = new WsConnection(url)));
  return connection.post(calls, timeoutMs, signal);
}

/** Closes the connection to `url`, failing what waits on it (tests of a lost connection; shutdown). */
export function closeJsonRpcWs(url: string): void {
  connections.get(url)?.close();
}
