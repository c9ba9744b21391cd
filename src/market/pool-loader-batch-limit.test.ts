import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader } from '../chain/types.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { loadPools } from './pool-loader.ts';
import type { TrackedPoolInput } from './market-state.ts';

/**
 * The real Uniswap pools of the devnet loaded call by call (JSON-RPC batches of up to 500
 * calls) through a provider capping batches at 50 calls: before, every batch over the cap was
 * refused, failed over, and the load failed; now the pool halves and learns the cap, every pool
 * loads, equal to the same load straight from the node without a cap.
 */

let devnet: Devnet;
let capped: FaultInjectingProxy;
beforeAll(async () => {
  devnet = await startDevnet();
  capped = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
});
afterAll(async () => {
  await capped?.close();
  await devnet?.stop();
});

const canonical = (loaded: TrackedPoolInput[]): string =>
  JSON.stringify(loaded, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Map ? [...value.entries()] : value));

it('loads every pool through a provider capping batches at 50 calls, as without the cap, and sends later loads at the learned size', async () => {
  const direct = createRpcPool([devnet.anvil.rpcUrl]);
  const at = parseBlockHeader(await direct.request('eth_getBlockByNumber', ['latest', false]));
  const descriptors = devnet.seeded.localSnapshot.pools.map((p) => ({ ...p }));
  const uncapped = await loadPools(direct, at, descriptors, { useReader: false });

  capped.setMaxBatchSize(50);
  const pool = createRpcPool([capped.url], { budgetMs: 10_000 });
  const loaded = await loadPools(pool, at, descriptors, { useReader: false });
  expect(loaded).toHaveLength(descriptors.length);
  expect(canonical(loaded)).toBe(canonical(uncapped));
  // The load did send batches over the cap (else this proves nothing), and learned from them.
  expect(Math.max(...capped.refusedBatchSizes)).toBe(500);
  const refusedInFirstLoad = capped.refusedBatchSizes.length;

  capped.forwardedCalls.length = 0;
  const again = await loadPools(pool, at, descriptors, { useReader: false });
  expect(canonical(again)).toBe(canonical(uncapped));
  expect(capped.refusedBatchSizes).toHaveLength(refusedInFirstLoad); // none refused the second time
  expect(Math.max(...capped.forwardedCalls.map((b) => b.length))).toBeLessThanOrEqual(50);
});
