import WebSocket from 'ws';
import { batchBody, matchBatch, type JsonRpcResponse } from './json-rpc-batch.ts';
import { EndpointFault } from './rpc-errors.ts';

/**
 * JSON-RPC over a WebSocket: the same batch as over HTTP (json-rpc-batch.ts), the same
 * `EndpointFault`s for transport problems, over one long-lived connection per URL shared by every
 * pool of the process (as the HTTP agent shares its sockets). One message each way and no HTTP
 * framing: on loopback to anvil ~110–180 µs a round trip and ~130–180 µs of CPU, against
 * ~360–390 µs and ~450–510 µs over kept-alive HTTP (docs/BENCHMARKS.md), for the requests
 * between a head and its send. The pool sends only small batches this way (`WS_MAX_BATCH`).
 *
 * The connection opens on the first request and again on the first request after it closed. A
 * close or error fails every request in flight on it (the pool fails them over), and so does a
 * request that times out, or a ping unanswered for `PING_INTERVAL_MS`: a connection that went
 * silent without closing (a dropped NAT entry, a wedged node) is replaced at once instead of
 * taking every later request's timeout. While no request is in flight its socket does not hold
 * the process open, like an idle kept-alive one.
 */

/**
 * The most calls the pool sends in one batch over a WebSocket; larger batches go over HTTP.
 * Providers cap WebSocket batches lower than HTTP ones (Alchemy: 20 against 1,000), and a large
 * answer (a catch-up's logs) would hold up the small ones queued behind it on the one connection.
 */
export const WS_MAX_BATCH = 20;
/** A connection with requests in flight is pinged this often; no pong by the next ping ends it. */
const PING_INTERVAL_MS = 5_000;

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
  private pinger: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;

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
    socket.on('pong', () => (this.awaitingPong = false));
    socket.on('close', (code) => this.detach(socket, `connection closed (${code})`));
    socket.on('error', (error) => this.detach(socket, `connection failed: ${error.message}`));
    return this.opened;
  }

  /** Forgets `socket` (if still the current one) and fails what waits on it: the next request opens a new one. */
  private detach(socket: WebSocket, why: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.opened = undefined;
    this.failAll(new EndpointFault(this.url, 'network', why));
  }

  /** Ends the connection now: everything waiting on it fails over, and the next request opens a new one. */
  private drop(why: string): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.detach(socket, why);
    socket.terminate();
  }

  private answer(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not ours to answer; the request it belonged to times out
    }
    const items = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    const id = items.map((item) => (item !== null && typeof item === 'object' ? (item as JsonRpcResponse).id : undefined)).find((i): i is number => typeof i === 'number');
    if (id === undefined) {
      // No id: a notification (ignored), or a whole batch refused with one error object, as
      // JSON-RPC answers an invalid or oversized batch. Which request it refused cannot be told,
      // so every request waiting fails over now rather than waiting out its timeout.
      const refusal = items.length === 1 && items[0] !== null && typeof items[0] === 'object' ? (items[0] as JsonRpcResponse).error : undefined;
      if (refusal !== undefined) this.failAll(new EndpointFault(this.url, 'bad-response', `a batch was refused without an id: ${String(refusal.message)}`));
      return;
    }
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return; // an answer after its request timed out or was aborted
    this.settle(waiting);
    try {
      waiting.resolve(matchBatch(this.url, waiting.calls, waiting.firstId, parsed));
    } catch (error) {
      waiting.reject(error);
    }
  }

  private settle(waiting: Waiting): void {
    for (let i = 0; i < waiting.calls.length; i++) this.waiting.delete(waiting.firstId + i);
    if (this.waiting.size === 0) this.idle();
  }

  /** Nothing in flight: the socket no longer holds the process open (an HTTP agent unrefs its free sockets so), and is not pinged. */
  private idle(): void {
    socketOf(this.socket)?.unref();
    clearInterval(this.pinger);
    this.pinger = undefined;
  }

  private busy(socket: WebSocket): void {
    socketOf(socket)?.ref();
    if (this.pinger !== undefined) return;
    this.awaitingPong = false;
    this.pinger = setInterval(() => {
      if (this.awaitingPong) return this.drop(`no pong within ${PING_INTERVAL_MS} ms`);
      this.awaitingPong = true;
      socket.ping();
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  private failAll(error: EndpointFault): void {
    const all = new Set(this.waiting.values());
    this.waiting.clear();
    this.idle();
    for (const waiting of all) waiting.reject(error);
  }

  post(calls: readonly { method: string; params: readonly unknown[] }[], timeoutMs: number, signal?: AbortSignal): Promise<JsonRpcResponse[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (calls.length === 0) return Promise.resolve([]);
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
      const inFlight = (): boolean => this.waiting.get(firstId) === waiting;
      const giveUp = (error: unknown): void => {
        if (!inFlight()) return;
        this.settle(waiting);
        waiting.reject(error);
      };
      const timer = setTimeout(() => {
        if (!inFlight()) return;
        // A connection that let a request time out is suspect (silent, or its node wedged): ended,
        // so the others on it fail over too and the next request starts on a new one.
        giveUp(new EndpointFault(this.url, 'timeout', `no answer within ${timeoutMs} ms`));
        this.drop(`a request on it had no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const send = (socket: WebSocket): void => {
        // Given up while the connection opened: nothing is sent for it.
        if (!inFlight()) {
          if (this.waiting.size === 0) this.idle();
          return;
        }
        this.busy(socket);
        socket.send(body, (error) => {
          if (error !== undefined && error !== null) giveUp(new EndpointFault(this.url, 'network', `send failed: ${error.message}`, { cause: error }));
        });
      };
      // A socket the server is closing is let go before its close event (which would fail this request too).
      if (this.socket !== undefined && this.socket.readyState > WebSocket.OPEN) this.drop('connection closing');
      // The common case, an open socket, sends in this same turn.
      if (this.socket?.readyState === WebSocket.OPEN) send(this.socket);
      else this.open(timeoutMs).then(send, giveUp);
    });
  }

  close(): void {
    this.drop('closed by this process');
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
