import { expect, it } from 'vitest';
import { createRpcPool } from '../chain/rpc-pool.ts';
import { useAnvilBehindProxy } from '../chain/testing/anvil-behind-proxy.ts';
import { parseBlockHeader } from '../chain/types.ts';
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
