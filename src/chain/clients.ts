import { createPublicClient, type PublicClient } from 'viem';
import { splitEndpoints } from './endpoints.ts';
import { createRpcPool, type RpcPool, type RpcPoolOptions } from './rpc-pool.ts';

/**
 * The chain clients of the monitor built from the endpoint list: the failover pool, a viem
 * public client over it (so any viem action gets failover, backoff and health scoring), and the
 * WebSocket URLs for new-head notifications. The pool asks the WebSocket endpoints first, in
 * their order, then the HTTP ones: a request over an open socket answers in about a third of the
 * time and CPU of one over HTTP (json-rpc-ws.ts), and an HTTP endpoint is always there to fail
 * over to.
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
  const pool = createRpcPool([...ws, ...http], options);
  // viem's own batching and retries stay off: the pool batches (callAtBlock) and retries itself.
  const publicClient = createPublicClient({ transport: pool.transport() });
  return { pool, publicClient, wsUrls: ws };
}
