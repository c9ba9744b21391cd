import { expect, it } from 'vitest';
import { createRpcPool } from '../chain/rpc-pool.ts';
import { useAnvilBehindProxy } from '../chain/testing/anvil-behind-proxy.ts';
import { startFaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader } from '../chain/types.ts';
import { StateUnavailableError } from '../chain/rpc-errors.ts';
import { OrionError } from '../errors.ts';
import { loadPoolsExcludingFailures, type PoolDescriptor } from './pool-loader.ts';

/**
 * A pool is excluded for its own fault (its calls revert, or no contract is there), never for the
 * node's. A provider that refuses a whole batch (one error object without an id, e.g. -32600
 * "batch size too large") made the loader blame the batch's first pool, exclude it for good,
 * retry, blame the next… until every pool was excluded.
 */
const chain = useAnvilBehindProxy();

const token = (n: number) => ({ address: `0x${n.toString(16).padStart(40, '0')}` as const, symbol: `T${n}`, decimals: 18 });
// No contract at these addresses: on an honest node each is excluded, naming why.
const pools: PoolDescriptor[] = [1, 2, 3].map((n) => ({ protocol: 'uniswap-v2', address: `0x${(0xa0 + n).toString(16).padStart(40, '0')}`, fee: 3000, token0: token(1), token1: token(2) }));

it('a node refusing every batch is an error to retry, with no pool excluded; an honest node excludes each empty address for itself', async () => {
  const rpc = createRpcPool([chain.proxy.url], { timeoutMs: 2_000, budgetMs: 1_500 });
  const at = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  chain.proxy.refuseBatches(10_000);
  const refused = await loadPoolsExcludingFailures(rpc, at, pools).then(() => null, (error: unknown) => error);
  expect(refused).toBeInstanceOf(OrionError);
  expect((refused as OrionError).retryable).toBe(true);
  expect((refused as Error).message).toContain('batch refused: batch size too large (injected)');
  const honest = await loadPoolsExcludingFailures(createRpcPool([chain.anvil.rpcUrl]), at, pools);
  expect(honest.map((o) => ('reason' in o ? o.reason : 'loaded'))).toEqual(pools.map((p) => expect.stringContaining(p.address)));
});

it('state a pruning node no longer holds is the node\'s answer, not the pools\': asked of another endpoint (an archive), else thrown with no pool excluded', async () => {
  const direct = createRpcPool([chain.anvil.rpcUrl]);
  const old = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
  await direct.request('anvil_mine', ['0x5']);
  // A proxy of its own: the one above still refuses batches.
  const pruning = await startFaultInjectingProxy(chain.anvil.rpcUrl);
  pruning.pruneStateOlderThan(2);
  try {
    const pruned = await loadPoolsExcludingFailures(createRpcPool([pruning.url]), old, pools).then(() => null, (error: unknown) => error);
    expect(pruned).toBeInstanceOf(StateUnavailableError);
    expect((pruned as Error).message).toContain('missing trie node');
    // The pruning endpoint first, the archive (anvil keeps every state) second: the answers are the archive's.
    const archived = await loadPoolsExcludingFailures(createRpcPool([pruning.url, chain.anvil.rpcUrl]), old, pools);
    expect(archived.map((o) => ('reason' in o ? o.reason : 'loaded'))).toEqual(pools.map((p) => expect.stringContaining(`${p.address} (uniswap-v2): getReserves() returned no data`)));
  } finally {
    await pruning.close();
  }
});
