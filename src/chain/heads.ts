import { webSocket } from 'viem';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

/**
 * New-head notifications: a WebSocket `newHeads` subscription (viem's WebSocket transport)
 * while one works, HTTP polling while none does, and a slow poll even with a live socket so a
 * silently stalled subscription cannot stall us. A notification is only a hint to look: the
 * block stream fetches and checks every block itself, so a lost or repeated hint is harmless.
 */

/** How heads are currently learned. */
export type HeadMode = 'websocket' | 'polling';

/** Settings of the head watcher. */
export interface HeadWatcherOptions {
  /** ws:// endpoints, tried in turn; empty = polling only. */
  wsUrls: readonly string[];
  /** Poll period without a socket. */
  pollIntervalMs: number;
  /** Called for every hint (a head number from the socket, or `null` from a poll tick). */
  onHint: (head: bigint | null) => void;
  onModeChange?: (mode: HeadMode, reason: string) => void;
  reconnectBackoff?: BackoffOptions;
}

/** A running watcher. */
export interface HeadWatcher {
  mode(): HeadMode;
  stop(): Promise<void>;
}

interface SocketHandle {
  close(): void;
}

/** Starts watching heads; polling until the first socket subscription is up. */
export function watchHeads(options: HeadWatcherOptions): HeadWatcher {
  let mode: HeadMode = 'polling';
  let stopped = false;
  let socket: SocketHandle | undefined;
  let attempt = 0;
  let urlIndex = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  const backoff = options.reconnectBackoff ?? { baseMs: 200, maxMs: 5_000 };

  const setMode = (next: HeadMode, reason: string): void => {
    if (next === mode) return;
    mode = next;
    options.onModeChange?.(next, reason);
  };

  // With a live socket the poll is a watchdog (4x slower); without one it is the head source.
  const schedulePoll = (): void => {
    if (stopped) return;
    const period = mode === 'websocket' ? options.pollIntervalMs * 4 : options.pollIntervalMs;
    pollTimer = setTimeout(() => {
      options.onHint(null);
      schedulePoll();
    }, period);
  };

  const dropped = (reason: string): void => {
    socket?.close();
    socket = undefined;
    if (stopped) return;
    setMode('polling', reason);
    clearTimeout(pollTimer);
    options.onHint(null); // look now: blocks may have arrived while the socket was dying
    schedulePoll();
    scheduleReconnect();
  };

  const scheduleReconnect = (): void => {
    if (stopped || options.wsUrls.length === 0) return;
    attempt += 1;
    reconnectTimer = setTimeout(() => void connect(), attempt === 1 ? 0 : backoffDelay(attempt - 1, backoff));
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const url = options.wsUrls[urlIndex % options.wsUrls.length] as string;
    urlIndex += 1;
    // reconnect: false: we own reconnection, so a dead socket is noticed and polling covers it.
    const transport = webSocket(url, { reconnect: false, keepAlive: { interval: 5_000 }, timeout: 5_000 })({ retryCount: 0 });
    let rpcClient: SocketHandle | undefined;
    try {
      rpcClient = await transport.value?.getRpcClient();
      let alive = true;
      const onError = (error: unknown): void => {
        if (!alive) return;
        alive = false;
        dropped(`websocket ${url} dropped: ${error instanceof Error ? error.message : String(error)}`);
      };
      await transport.value?.subscribe({
        params: ['newHeads'],
        onData: (data: { result?: unknown }) => {
          const number = (data.result as { number?: unknown } | undefined)?.number;
          options.onHint(typeof number === 'string' ? BigInt(number) : null);
        },
        onError,
      });
      if (stopped) {
        rpcClient?.close();
        return;
      }
      socket = { close: () => { alive = false; rpcClient?.close(); } };
      attempt = 0;
      setMode('websocket', `subscribed to newHeads on ${url}`);
      options.onHint(null);
    } catch (error) {
      rpcClient?.close();
      if (stopped) return;
      setMode('polling', `websocket ${url} unavailable: ${error instanceof Error ? error.message : String(error)}`);
      scheduleReconnect();
    }
  };

  schedulePoll();
  if (options.wsUrls.length > 0) void connect();

  return {
    mode: () => mode,
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      clearTimeout(reconnectTimer);
      socket?.close();
      socket = undefined;
    },
  };
}
