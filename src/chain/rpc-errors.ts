import { OrionError, RetryableError, RuntimeFault } from '../errors.ts';

/**
 * Errors of the RPC layer. Whether to fail over is decided by the type: a transport fault
 * (timeout, 429, 5xx, dropped connection) is an `EndpointFault` and another endpoint is tried;
 * a JSON-RPC error the node answered on purpose (a revert, bad params) is an `RpcCallError`
 * and goes back to the caller, because every honest endpoint would answer the same.
 */

/**
 * One endpoint failed at the transport level; `status` is the HTTP status when there was one.
 * `batch-refused`: the node would not take the batch as a whole (an error without a call's id,
 * geth's one-element "batch too large", HTTP 413, a batch-limit message): rpc-pool.ts answers it
 * by halving the batch on the same endpoint and learning its limit (a one-call batch refused
 * fails over like any fault).
 */
export class EndpointFault extends RetryableError {
  constructor(
    readonly url: string,
    readonly kind: 'timeout' | 'http' | 'network' | 'rate-limited' | 'bad-response' | 'node-unready' | 'batch-refused',
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`${url}: ${message}`, { details: { url, kind, status: options.status }, cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly status: number | undefined;
  /** From a `Retry-After` header, when the endpoint sent one. */
  readonly retryAfterMs: number | undefined;
}

/** The node answered the call with a JSON-RPC error (e.g. execution reverted). */
export class RpcCallError extends OrionError {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data: unknown,
    readonly url: string,
  ) {
    super(`${method} failed on ${url}: ${rpcMessage} (code ${code})`, { details: { method, code, data, url } });
  }

  /** True when the error says the call reverted (as opposed to bad params). */
  get isRevert(): boolean {
    return this.code === 3 || /revert/i.test(this.rpcMessage);
  }
}

/**
 * The node answered that it no longer holds the state at the block asked for: it prunes old state
 * (geth keeps ~128 blocks by default: "missing trie node …", "historical state … is not
 * available"). Not a fault of the endpoint nor of the contract called: the pool asks the other
 * endpoints (an archive node may have it) and then hands this to the caller, which must read at
 * a recent block instead (src/market/sync.ts re-pins its load block).
 */
export class StateUnavailableError extends RpcCallError {}

/** Every endpoint failed for one request within its retry budget. */
export class AllEndpointsFailedError extends RetryableError {}

/** A reorg went below the oldest block kept in the unfinalized window: state cannot roll back. */
export class ReorgTooDeepError extends RuntimeFault {}
