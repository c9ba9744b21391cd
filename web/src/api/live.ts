import { useEffect, useRef, useState } from 'react';
import { currentTokens, onTokens } from './session.ts';

/** Channels `/ws` serves (src/bus/types.ts). */
export type LiveChannel = 'opportunities' | 'decisions' | 'simulations' | 'executions' | 'mode' | 'health' | 'limits';

/** One frame from `/ws`. */
export interface LiveMessage {
  channel: LiveChannel | 'hello';
  data: unknown;
  at: string;
}

/** The socket's state, shown beside every live view. */
export type LiveStatus = 'connecting' | 'open' | 'closed';

/**
 * Follows `channels` on `/ws` with the session's access token (browsers cannot set headers on a
 * WebSocket, so it goes in the query). Reconnects with a backoff, and with the new token after a
 * refresh (the server closes a socket when its token expires). `onMessage` sees every frame.
 */
export function useLive(channels: readonly LiveChannel[], onMessage: (message: LiveMessage) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const key = channels.join(',');

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;

    const open = (): void => {
      const tokens = currentTokens();
      if (tokens === null || stopped) return;
      setStatus('connecting');
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${location.host}/ws?channels=${encodeURIComponent(key)}&access_token=${encodeURIComponent(tokens.accessToken)}`);
      socket.onopen = () => {
        attempts = 0;
        setStatus('open');
      };
      socket.onmessage = (event: MessageEvent<string>) => {
        try {
          handler.current(JSON.parse(event.data) as LiveMessage);
        } catch {
          // A frame that is not JSON is not ours to show.
        }
      };
      socket.onclose = () => {
        setStatus('closed');
        socket = null;
        if (stopped) return;
        attempts++;
        retry = setTimeout(open, Math.min(30_000, 500 * 2 ** Math.min(attempts, 6)));
      };
    };
    open();
    const unsubscribe = onTokens((tokens) => {
      // A refreshed token: reconnect with it before the old one expires under the socket.
      clearTimeout(retry);
      if (socket !== null) {
        socket.onclose = null;
        socket.close(1000, 'new token');
        socket = null;
      }
      if (tokens !== null) open();
    });
    return () => {
      stopped = true;
      unsubscribe();
      clearTimeout(retry);
      socket?.close(1000, 'view closed');
    };
  }, [key]);

  return status;
}
