import { ConfigError } from '../errors.ts';

/**
 * The endpoint list (`ORION_RPC_URLS`, comma-separated, primary first) split by scheme:
 * WebSocket endpoints carry `newHeads` notifications and serve requests ahead of the HTTP ones
 * (clients.ts); at least one HTTP endpoint is required, the one failover always has.
 */

/** Endpoints by transport. */
export interface EndpointList {
  http: string[];
  ws: string[];
}

/** Splits and checks a URL list; a bad entry is named in the error. */
export function splitEndpoints(urls: readonly string[]): EndpointList {
  const list: EndpointList = { http: [], ws: [] };
  for (const raw of urls) {
    const url = raw.trim();
    if (url === '') continue;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`ORION_RPC_URLS: "${url}" is not a URL (expected http://, https://, ws:// or wss://)`);
    }
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') list.http.push(url);
    else if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') list.ws.push(url);
    else throw new ConfigError(`ORION_RPC_URLS: "${url}" has scheme ${parsed.protocol}, expected http(s) or ws(s)`);
  }
  if (list.http.length === 0) {
    throw new ConfigError('ORION_RPC_URLS: at least one http(s) endpoint is needed (the one requests fail over to when the WebSocket ones fail)');
  }
  return list;
}
