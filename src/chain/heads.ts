import { webSocket } from 'viem';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { parseBlockHeader, type BlockHeader } from './types.ts';

/**
 * New-head notifications: a WebSocket `newHeads` subscription (viem's WebSocket transport)
 * while one works, HTTP polling while none does, and a slow poll even with a live socket so a
 * silently stalled subscription cannot stall us. A notification is only a hint to look: the
 * block stream fetches and checks every block itself, so a lost or repeated hint is harmless.
 * A newHeads message carries the new head's header, passed on parsed so the stream can fetch
 * that block by hash at once instead of first asking for the head.
 */

/** A head the socket announced: its height, and its header when the message held a well-formed one. */
export interface HeadHint {
  number: bigint;
  header: BlockHeader | null;
}

const BLOCK_HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * The hint in a newHeads message: null when it names no height (a hint to look, nothing more);
 * the header only when it parses and its hash and parent hash are 32-byte hex.
 */
export function headHintOf(message: unknown): HeadHint | null {
  const raw = message as { number?: unknown } | null | undefined;
  if (typeof raw?.number !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(raw.number)) return null;
  let header: BlockHeader | null = null;
  try {
    const parsed = parseBlockHeader(raw);
    if (BLOCK_HASH.test(parsed.hash) && BLOCK_HASH.test(parsed.parentHash)) header = parsed;
  } catch {
    // Not a full header (a field missing or malformed): the height alone is still a hint.
  }
  return { number: BigInt(raw.number), header };
}

/** How heads are currently learned. */
export type HeadMode = 'websocket' | 'polling';

/** Settings of the head watcher. */
export interface HeadWatcherOptions {
  /** ws:// endpoints, tried in turn; empty = polling only. */
  wsUrls: readonly string[];
  /** Poll period without a socket. */
  pollIntervalMs: number;
  /** Called for every hint (a head from the socket, or `null` from a poll tick or a (re)connect). */
  onHint: (head: HeadHint | null) => void;
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
        onData: (data: { result?: unknown }) => options.onHint(headHintOf(data.result)),
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
