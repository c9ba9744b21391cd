import type { Address, Hex } from 'viem';
import type { RpcCallError } from './rpc-errors.ts';
import type { RpcPool } from './rpc-pool.ts';

/**
 * Many `eth_call`s read at one block, named by hash (EIP-1898), sent as JSON-RPC batches: every
 * answer describes the same state even if blocks arrive meanwhile, and a node that no longer has
 * that block (it was reorged away) fails the read instead of answering for another block.
 */

/** One read. */
export interface PinnedCall {
  to: Address;
  data: Hex;
}

/** The return data, or the node's error (a revert) for that call alone. */
export type PinnedResult = { ok: true; data: Hex } | { ok: false; error: RpcCallError };

/** Runs `calls` at block `blockHash`; results in call order. */
export async function callAtBlock(pool: RpcPool, blockHash: Hex, calls: readonly PinnedCall[]): Promise<PinnedResult[]> {
  const pinned = { blockHash, requireCanonical: true };
  const results = await pool.batch(calls.map((c) => ({ method: 'eth_call', params: [{ to: c.to, data: c.data }, pinned] })));
  return results.map((r) => (r.ok ? { ok: true, data: r.result as Hex } : { ok: false, error: r.error }));
}
