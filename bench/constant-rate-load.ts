import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

// An open-model HTTP load at a constant arrival rate, measured as wrk2 measures it: request i is
// due at start + i / rate whatever happened to the others, and its latency runs from when it was
// due (not from when it left) to its last response byte. A server that stalls therefore pays for
// every request that came due during the stall, and a client that falls behind is charged to the
// figure rather than hidden (coordinated omission).
//
// Why not autocannon's `overallRate`: it gives each connection a per-second quota and sends that
// quota back to back at the start of every second, then idles — 1,000 req/s arrive as a burst of
// 1,000 each second, so its latencies measure how fast a saturated server drains a burst, and
// its correction then re-weights them with an expected interval of 1 ms. That is a different
// (and harsher on the median) load than "1,000 requests a second".

export interface ConstantRateLoad {
  url: string;
  headers: Record<string, string>;
  /** Requests per second, spread evenly. */
  rate: number;
  seconds: number;
  /** Keep-alive sockets at most; a request due while all are busy waits for one (and is charged). */
  connections: number;
}

export interface ConstantRateResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Completed requests over the window from the first due time to the last response. */
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** How late the generator itself sent, due → handed to the socket layer (its own share of the figure). */
  sendLagMs: { p50: number; p99: number; max: number };
  /** Mean bytes of an answer as sent (headers and body, compressed when the server compressed it). */
  bytesPerResponse: number;
  /** The worst latency of the requests due in each second of the window: shows whether slow answers come in bursts (a stall) or spread. */
  worstBySecondMs: number[];
}

const percentile = (sorted: Float64Array, q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
const round2 = (ms: number): number => Number(ms.toFixed(2));

/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request in flight: the request's bytes
 * are built once, and an answer is parsed only as far as its status and Content-Length — the
 * generator shares the server's 2 cores, so its own cost per request has to stay small.
 */
class LoadConnection {
  private socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private inFlight: ((status: number | 'error') => void) | undefined;
  busy = false;
  /** Bytes of every answer received whole (headers and body). */
  bytes = 0;

  constructor(
    private readonly url: URL,
    private readonly requestBytes: Buffer,
  ) {
    this.socket = this.open();
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** Resolves once the first socket is connected (the window does not time connection set-up). */
  readonly connected: Promise<void>;

  private open(): Socket {
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port) });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.buffered = Buffer.alloc(0);
      this.finish('error');
      this.socket = this.open(); // the server closed it: the next request uses a new one
    });
    return socket;
  }

  send(answered: (status: number | 'error') => void): void {
    this.busy = true;
    this.inFlight = answered;
    this.socket.write(this.requestBytes);
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private finish(status: number | 'error'): void {
    const answered = this.inFlight;
    this.inFlight = undefined;
    this.busy = false;
    answered?.(status);
  }

  private received(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      // Not a Content-Length answer (the routes measured here always send one): counted as an error.
      this.socket.destroy();
      return;
    }
    const total = headerEnd + 4 + Number(length[1]);
    if (this.buffered.length < total) return;
    this.buffered = this.buffered.subarray(total);
    this.bytes += total;
    this.finish(Number(head.slice(9, 12)));
  }
}

export async function runConstantRateLoad(load: ConstantRateLoad): Promise<ConstantRateResult> {
  const total = Math.round(load.rate * load.seconds);
  const intervalMs = 1000 / load.rate;
  const url = new URL(load.url);
  const headerLines = Object.entries({ host: url.host, connection: 'keep-alive', ...load.headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  const requestBytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\n${headerLines.join('')}\r\n`, 'latin1');
  const connections = Array.from({ length: load.connections }, () => new LoadConnection(url, requestBytes));
  await Promise.all(connections.map((connection) => connection.connected));
  const latencies = new Float64Array(total);
  const sendLags = new Float64Array(total);
  /** Requests that came due while every connection was busy, oldest first (index, due). */
  const waiting: Array<[number, number]> = [];
  let done = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastEnd = 0;

  const start = performance.now() + 50;
  const finished = new Promise<void>((resolve) => {
    const send = (connection: LoadConnection, index: number, due: number): void => {
      sendLags[index] = performance.now() - due;
      connection.send((status) => {
        const end = performance.now();
        latencies[index] = end - due;
        lastEnd = Math.max(lastEnd, end);
        if (status === 'error') errors++;
        else if (status >= 200 && status < 300) ok++;
        else non2xx++;
        if (++done === total) resolve();
        const queued = waiting.shift();
        if (queued !== undefined) send(connection, queued[0], queued[1]);
      });
    };
    let next = 0;
    // Every tick sends whatever has come due (a late tick sends its backlog at once, each
    // request still timed from its own due time), then sleeps until the next one is due.
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        const due = start + next * intervalMs;
        const free = connections.find((connection) => !connection.busy);
        if (free === undefined) waiting.push([next, due]);
        else send(free, next, due);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, 50);
  });
  await finished;
  for (const connection of connections) connection.close();
  const bytesPerResponse = Math.round(connections.reduce((sum, connection) => sum + connection.bytes, 0) / Math.max(1, ok + non2xx));

  const worstBySecondMs = Array.from({ length: Math.ceil(load.seconds) }, () => 0);
  latencies.forEach((ms, index) => {
    const second = Math.floor((index * intervalMs) / 1000);
    worstBySecondMs[second] = Math.max(worstBySecondMs[second]!, Math.round(ms));
  });
  const sorted = latencies.slice().sort();
  const lags = sendLags.slice().sort();
  return {
    sent: total,
    ok,
    non2xx,
    errors,
    reqPerSec: Number(((done * 1000) / (lastEnd - start)).toFixed(1)),
    latencyMs: { p50: round2(percentile(sorted, 0.5)), p90: round2(percentile(sorted, 0.9)), p99: round2(percentile(sorted, 0.99)), p999: round2(percentile(sorted, 0.999)), max: round2(sorted[sorted.length - 1] ?? 0) },
    sendLagMs: { p50: round2(percentile(lags, 0.5)), p99: round2(percentile(lags, 0.99)), max: round2(lags[lags.length - 1] ?? 0) },
    bytesPerResponse,
    worstBySecondMs,
  };
}
