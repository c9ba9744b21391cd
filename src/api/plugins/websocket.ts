import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { BUS_CHANNELS, isBusChannel, type BusChannel, type EventBus } from '../../bus/index.ts';
import { encodeMessage } from '../../bus/types.ts';
import type { Metrics } from '../../metrics/registry.ts';

/** Options of the WebSocket plugin. */
export interface WebSocketOptions {
  bus: EventBus;
  metrics: Metrics;
  /** Bytes a client may leave unread before it is dropped. */
  maxBufferedBytes?: number;
  /** How often a connection opened with an API key checks the key is still live, in ms. */
  keyRecheckMs?: number;
}

/** Longest delay setTimeout keeps (a longer one fires at once): later expiries are left to the recheck. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Close codes the server uses (4000-4999 are the application's). */
export const WS_CLOSE = { expired: 4001, slow: 4008, badRequest: 4000 } as const;

/**
 * `/ws`: live events from the bus. The access token comes at connect (`?access_token=`, as
 * browsers cannot set headers on a WebSocket) or as a Bearer header; the connection closes
 * when the token expires. An API key (header) works too: its connection closes when the key
 * expires, and when a periodic recheck finds it revoked (a revocation on any instance, as the
 * key's row is the truth). `?channels=a,b` picks channels (default all). A client whose unread
 * backlog exceeds the limit is dropped, never buffered without bound.
 */
export const websocketPlugin = fp<WebSocketOptions>(
  async (app, { bus, metrics, maxBufferedBytes = 1 << 20, keyRecheckMs = 30_000 }) => {
    if (!(Number.isInteger(keyRecheckMs) && keyRecheckMs > 0)) throw new Error(`keyRecheckMs must be a positive integer of milliseconds, got ${String(keyRecheckMs)}`);
    await app.register(websocket, { options: { maxPayload: 4096 } });
    let clients = 0;

    app.get<{ Querystring: { channels?: string; access_token?: string } }>(
      '/ws',
      {
        websocket: true,
        config: { permission: 'read' },
        schema: {
          tags: ['live'],
          summary: `Live events (channels: ${BUS_CHANNELS.join(', ')}); token at connect, closed at its expiry`,
          querystring: { type: 'object', properties: { channels: { type: 'string', maxLength: 200 }, access_token: { type: 'string', maxLength: 4096 } }, additionalProperties: false },
        },
      },
      async (socket, request) => {
        const asked = request.query.channels?.split(',').map((c) => c.trim()) ?? [...BUS_CHANNELS];
        const unknown = asked.filter((c) => !isBusChannel(c));
        if (unknown.length > 0) {
          socket.close(WS_CLOSE.badRequest, `unknown channel ${unknown[0]}; allowed: ${BUS_CHANNELS.join(', ')}`.slice(0, 120));
          return;
        }
        const channels = asked as BusChannel[];
        clients++;
        metrics.set('wsClients', {}, clients);
        const drop = (code: number, reason: string, label: 'slow' | 'expired'): void => {
          metrics.inc('wsClientsDropped', { reason: label });
          socket.close(code, reason);
          // A slow client may never read the close frame: do not wait for it.
          setTimeout(() => socket.terminate(), 1000).unref();
        };
        const principal = request.principal;
        const ended = principal?.kind === 'api-key' ? 'API key expired or revoked' : 'access token expired';
        const untilExpiry = principal === undefined ? undefined : Math.max(0, principal.expiresAt * 1000 - Date.now());
        const expiry = untilExpiry !== undefined && untilExpiry <= MAX_TIMER_MS ? setTimeout(() => drop(WS_CLOSE.expired, ended, 'expired'), untilExpiry) : undefined;
        const recheck =
          principal?.kind === 'api-key'
            ? setInterval(() => {
                app.services
                  .get()
                  .auth.apiKeys.isLive(principal.keyId)
                  .then(
                    (live) => {
                      if (!live && socket.readyState === socket.OPEN) drop(WS_CLOSE.expired, ended, 'expired');
                    },
                    // A failed read proves nothing about the key: the next recheck asks again.
                    (error: unknown) => request.log.warn({ err: error, keyId: principal.keyId }, 'websocket: API key recheck failed'),
                  );
              }, keyRecheckMs)
            : undefined;
        const unsubscribe = await bus.subscribe(channels, (message) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > maxBufferedBytes) {
            drop(WS_CLOSE.slow, 'too slow: events were not read', 'slow');
            return;
          }
          socket.send(encodeMessage(message));
        });
        socket.on('close', () => {
          clients--;
          metrics.set('wsClients', {}, clients);
          clearTimeout(expiry);
          clearInterval(recheck);
          void unsubscribe();
        });
        socket.send(JSON.stringify({ channel: 'hello', data: { channels }, at: new Date().toISOString() }));
      },
    );
  },
  { name: 'websocket', dependencies: ['auth'], fastify: '5.x' },
);
