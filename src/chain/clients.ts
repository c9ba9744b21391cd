import { createPublicClient, type PublicClient } from 'viem';
import { splitEndpoints } from './endpoints.ts';
import { createRpcPool, type RpcPool, type RpcPoolOptions } from './rpc-pool.ts';

/**
 * The chain clients of the monitor built from the endpoint list: the failover pool (HTTP),
 * a viem public client over it (so any viem action gets failover, backoff and health scoring),
 * and the WebSocket URLs for new-head notifications.
 */

/** Clients over every configured endpoint. */
export interface ChainClients {
  pool: RpcPool;
  publicClient: PublicClient;
  wsUrls: string[];
}

/** Builds the clients from `ORION_RPC_URLS`-style URLs (http(s) and ws(s) mixed, primary first). */
export function createChainClients(urls: readonly string[], options: RpcPoolOptions = {}): ChainClients {
  const { http, ws } = splitEndpoints(urls);
  const pool = createRpcPool(http, options);
  // viem's own batching and retries stay off: the pool batches (callAtBlock) and retries itself.
  const publicClient = createPublicClient({ transport: pool.transport() });
  return { pool, publicClient, wsUrls: ws };
}
