import { createMarketPersistence } from '../store/market-persistence.ts';
import { encodeFunctionData, type Address } from 'viem';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBlockStream } from '../chain/block-stream.ts';
import { createRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { distinctBranch } from '../chain/testing/reorg-branch.ts';
import { parseBlockHeader } from '../chain/types.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { startNoiseFlow } from '../devnet/flow.ts';
import { computeV2PairAddress } from '../devnet/pool-address.ts';
import { readPoolStates } from '../devnet/read-pools.ts';
import { deployTestTokens } from '../devnet/test-token.ts';
import { sendAll } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { createCheckpointRepository } from '../store/checkpoint-repository.ts';
import { forEachBackend } from '../store/test-store.ts';
import type { MarketState } from './market-state.ts';
import { POOL_STATE_TOPICS } from './pool-events.ts';
import type { PoolSnapshot } from './snapshot.ts';
import { initialSync, NOT_CONFIGURED, saveMarketCheckpoint, type SyncSource } from './sync.ts';

let devnet: Devnet;
let rpc: RpcPool;
let source: SyncSource;
let fotPair: string;
/** The same anvil behind the fault-injecting proxy, for answers a real node gives and anvil does not. */
let proxy: FaultInjectingProxy;
let proxied: RpcPool;

/** The seeded pools as a configured list (no discovery: these tests are about restarts). */
function configuredPools(pools: readonly PoolSnapshot[]): Extract<SyncSource, { kind: 'pools' }> {
  return {
    kind: 'pools',
    pools: pools.map((p) => ({ protocol: p.protocol, address: p.address, token0: p.token0.address, token1: p.token1.address, fee: p.fee, ...(p.protocol === 'uniswap-v3' ? { tickSpacing: p.tickSpacing } : {}) })),
  };
}

/** Asks the anvil itself, past the proxy: the independent view of the chain. */
async function anvilRpc(method: string, params: unknown[] = []): Promise<unknown> {
  return createRpcPool([devnet.anvil.rpcUrl]).request(method, params);
}

function stateKey(p: PoolSnapshot | undefined): string {
  if (p === undefined) return 'missing';
  return p.protocol === 'uniswap-v2'
    ? `${p.address} ${p.reserve0} ${p.reserve1}`
    : `${p.address} ${p.sqrtPriceX96} ${p.tick} ${p.liquidity} ${p.ticks.map((t) => `${t.tick}:${t.liquidityNet}`).join(',')}`;
}

async function expectEqualToChain(state: MarketState, pools: readonly PoolSnapshot[] = devnet.seeded.localSnapshot.pools): Promise<void> {
  const chain = await readPoolStates(devnet.clients, devnet.seeded.lens, pools, state.block?.number as bigint);
  expect(pools.map((p) => stateKey(state.pool(p.address)?.toSnapshot()))).toEqual(chain.map(stateKey));
}

beforeAll(async () => {
  devnet = await startDevnet({ cacheDir: false });
  rpc = createRpcPool([devnet.anvil.rpcUrl]);
  // A pair with a fee-on-transfer token: discovered like any other, then excluded with the reason.
  const fot = await (async () => {
    const { abi, bytecode } = await loadArtifact('FeeOnTransferToken');
    const { encodeDeployData } = await import('viem');
    const [receipt] = await sendAll(devnet.clients, [{ label: 'deploy FOT', data: encodeDeployData({ abi, bytecode }), gas: 3_000_000n }]);
    return (receipt?.contractAddress as Address).toLowerCase() as Address;
  })();
  const other = devnet.seeded.localSnapshot.pools[0]?.token0.address as Address;
  const [t0, t1] = fot < other ? [fot, other] : [other, fot];
  const { v2Factory } = devnet.deployment;
  fotPair = computeV2PairAddress(v2Factory, t0, t1).toLowerCase();
  const fotAbi = (await loadArtifact('FeeOnTransferToken')).abi;
  const erc20 = (await loadArtifact('TestERC20')).abi;
  await sendAll(devnet.clients, [
    { label: 'createPair', to: v2Factory, gas: 5_000_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Factory').abi, functionName: 'createPair', args: [t0, t1] }) },
    { label: 'fund FOT', to: fot, gas: 200_000n, data: encodeFunctionData({ abi: fotAbi, functionName: 'mint', args: [fotPair as Address, 10n ** 21n] }) },
    { label: 'fund other', to: other, gas: 200_000n, data: encodeFunctionData({ abi: erc20, functionName: 'mint', args: [fotPair as Address, 10n ** 21n] }) },
    { label: 'sync', to: fotPair as Address, gas: 200_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Pair').abi, functionName: 'sync' }) },
  ]);
  source = { kind: 'factories', factories: [devnet.deployment.v2Factory, devnet.deployment.v3Factory], fromBlock: 0n };
  proxy = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
  proxied = createRpcPool([proxy.url], { budgetMs: 2_000 });
});
afterAll(async () => {
  await proxy?.close();
  await devnet?.stop();
});

// The checkpoint tables (migration 0002) on every backend: PGlite, and PostgreSQL when
// TEST_DATABASE_URL is set. One chain for both; each backend starts from an empty store.
forEachBackend('initial sync with a checkpoint in the database', (db) => {
  it('resumes an interrupted sync from the checkpoint, excludes the unsafe token with its reason, and matches the chain', async () => {
    const total = devnet.seeded.localSnapshot.pools.length; // + the FOT pair, excluded before loading
    await expect(initialSync({ rpc, persistence: createMarketPersistence(db.store), chainId: 31337, source, chunkSize: 5, stopAfterRounds: 2 })).rejects.toThrow(/test hook/);
    const second = await initialSync({ rpc, persistence: createMarketPersistence(db.store), chainId: 31337, source, chunkSize: 5 });
    expect(second.mode).toBe('resumed');
    expect(second.loadedThisRun).toBe(total - 10);
    expect(second.state.poolCount).toBe(total);
    expect(second.excluded).toEqual([{ address: fotPair, reason: expect.stringMatching(/fee on transfer: sending \d+ delivered \d+/) as unknown as string }]);
    await expectEqualToChain(second.state);
    const checkpoint = await createCheckpointRepository(db.store).get(31337);
    expect(checkpoint?.blockHash).toBe(second.state.block?.hash);
    // The scanned height survives the load stage (it was written back as read before discovery).
    expect((await createMarketPersistence(db.store).getSync(31337))?.discoveredTo).toBe(second.state.block?.number);
  });

  it('restarts from the stored state, and from a live checkpoint after the stream moved on', async () => {
    const restored = await initialSync({ rpc, persistence: createMarketPersistence(db.store), chainId: 31337, source });
    expect(restored.mode).toBe('restored');
    expect(restored.loadedThisRun).toBe(0);
    await expectEqualToChain(restored.state);

    // Live: blocks applied by the stream, then a checkpoint; a restart resumes at that block.
    const state = restored.state;
    const changed = new Set<string>();
    const stream = createBlockStream({
      pool: rpc, from: state.block as NonNullable<typeof state.block>, finalityDepth: 16, topics: POOL_STATE_TOPICS,
      isTracked: (a) => state.isTracked(a),
      onEvent: (e) => {
        const applied = state.handle(e);
        applied?.changed.forEach((a) => changed.add(a));
      },
    });
    const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 3, swapsPerBlock: 4 });
    for (let i = 0; i < 3; i += 1) await flow.step();
    await stream.sync();
    expect(changed.size).toBeGreaterThan(0);
    await saveMarketCheckpoint(createMarketPersistence(db.store), state, changed);
    const again = await initialSync({ rpc, persistence: createMarketPersistence(db.store), chainId: 31337, source });
    expect(again.mode).toBe('restored');
    expect(again.state.block?.hash).toBe(state.block?.hash);
    expect(again.state.block?.number).toBe(parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false])).number);
    await expectEqualToChain(again.state);
  });

  it('does not restore a checkpoint whose block a reorg took off the chain, though the node still serves that block by hash', async () => {
    const persistence = createMarketPersistence(db.store);
    await persistence.reset(31337);
    const pools = configuredPools(devnet.seeded.localSnapshot.pools);
    await anvilRpc('evm_mine'); // the checkpoint's block holds no pool event: the reorg below drops none
    proxy.setServeOrphans(true);
    try {
      const first = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: pools });
      const orphan = first.state.block as NonNullable<typeof first.state.block>;
      await anvilRpc('anvil_reorg', [1, await distinctBranch((method) => anvilRpc(method))]);
      // The fault is real: the canonical block at that height is another, yet the endpoint still answers the old hash.
      const canonical = parseBlockHeader(await anvilRpc('eth_getBlockByNumber', [`0x${orphan.number.toString(16)}`, false]));
      expect(canonical.hash).not.toBe(orphan.hash);
      expect(parseBlockHeader(await proxied.request('eth_getBlockByHash', [orphan.hash, false])).hash).toBe(orphan.hash);

      const again = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: pools });
      expect(again.mode).toBe('fresh');
      const at = again.state.block as NonNullable<typeof again.state.block>;
      expect(parseBlockHeader(await anvilRpc('eth_getBlockByNumber', [`0x${at.number.toString(16)}`, false])).hash).toBe(at.hash);
      expect((await createCheckpointRepository(db.store).get(31337))?.blockHash).toBe(at.hash);
      await expectEqualToChain(again.state);
    } finally {
      proxy.setServeOrphans(false);
    }
  });

  it('on a restart follows the configured pool list as it is now: added pools loaded at the checkpoint block, removed ones dropped and reported, re-added ones loaded again', async () => {
    const persistence = createMarketPersistence(db.store);
    await persistence.reset(31337);
    const all = devnet.seeded.localSnapshot.pools;
    const [removed, ...kept] = all.slice(0, -2) as [PoolSnapshot, ...PoolSnapshot[]];
    const added = all.slice(-2);
    const first = await initialSync({ rpc, persistence, chainId: 31337, source: configuredPools([removed, ...kept]) });
    expect(first.state.poolCount).toBe(all.length - 2);

    const changed = await initialSync({ rpc, persistence, chainId: 31337, source: configuredPools([...kept, ...added]) });
    expect(changed.mode).toBe('restored');
    expect(changed.state.block?.hash).toBe(first.state.block?.hash);
    expect(changed.loadedThisRun).toBe(added.length);
    expect([...changed.state.poolMap().keys()].sort()).toEqual([...kept, ...added].map((p) => p.address).sort());
    expect(changed.excluded).toEqual([{ address: removed.address, reason: NOT_CONFIGURED }]);
    await expectEqualToChain(changed.state, [...kept, ...added]);

    const readded = await initialSync({ rpc, persistence, chainId: 31337, source: configuredPools(all) });
    expect(readded.loadedThisRun).toBe(1);
    expect(readded.excluded).toEqual([]);
    await expectEqualToChain(readded.state);
  });

  it.each([
    ['geth, hash scheme', 'missing trie node 5be1d0c3a1f2e4d6b8a0c2e4f6081a2b3c4d5e6f708192a3b4c5d6e7f8091a2b (path ) <nil>'],
    ['geth, path scheme', 'historical state 5be1d0c3a1f2e4d6b8a0c2e4f6081a2b3c4d5e6f708192a3b4c5d6e7f8091a2b is not available'],
  ])('re-pins a load that outlived its block on a node that prunes state (%s): no pool excluded, every state at the one block the load ends at', async (_node, message) => {
    const persistence = createMarketPersistence(db.store);
    await persistence.reset(31337);
    const pools = configuredPools(devnet.seeded.localSnapshot.pools);
    proxy.pruneStateOlderThan(4, message);
    try {
      await expect(initialSync({ rpc: proxied, persistence, chainId: 31337, source: pools, chunkSize: 5, stopAfterRounds: 2 })).rejects.toThrow(/test hook/);
      const pinned = await persistence.getSync(31337);
      const loadedAtPin = await persistence.listPools(31337, 'loaded');
      expect(loadedAtPin).toHaveLength(10);
      // The chain moves on past what the node keeps, with swaps (some in pools already loaded).
      const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 11, swapsPerBlock: 4 });
      for (let i = 0; i < 6; i += 1) await flow.step();
      const pinnedBlock = pinned?.blockNumber as bigint;
      const loadedPools = devnet.seeded.localSnapshot.pools.filter((p) => loadedAtPin.some((r) => r.address === p.address));
      const then = await readPoolStates(devnet.clients, devnet.seeded.lens, loadedPools, pinnedBlock);
      const now = await readPoolStates(devnet.clients, devnet.seeded.lens, loadedPools);
      expect(then.map(stateKey)).not.toEqual(now.map(stateKey)); // the re-pin has loaded pools to bring along
      // The fault is real: a state read pinned to the load block is refused, as a pruning geth refuses it.
      await expect(proxied.request('eth_getBalance', [devnet.deployment.v2Factory, { blockHash: pinned?.blockHash }])).rejects.toThrow(message.slice(0, 20));

      const resumed = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: pools, chunkSize: 5 });
      expect(resumed.mode).toBe('resumed');
      expect(resumed.excluded).toEqual([]);
      expect(resumed.state.poolCount).toBe(devnet.seeded.localSnapshot.pools.length);
      const at = resumed.state.block as NonNullable<typeof resumed.state.block>;
      expect(at.number).toBeGreaterThan(pinnedBlock + 4n);
      await expectEqualToChain(resumed.state);
      // Recorded: a restart agrees on the block, and the follower starts after it.
      expect((await persistence.getSync(31337))?.blockHash).toBe(at.hash);
      expect((await createCheckpointRepository(db.store).get(31337))?.blockHash).toBe(at.hash);
      const restarted = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: pools });
      expect(restarted.mode).toBe('restored');
      expect(restarted.state.block?.hash).toBe(at.hash);
    } finally {
      proxy.pruneStateOlderThan(undefined);
    }
  });

  it('a restart that adds configured pools while its checkpoint block is pruned re-pins: the stored pools brought along, the added ones loaded, all at the new block', async () => {
    const persistence = createMarketPersistence(db.store);
    await persistence.reset(31337);
    const all = devnet.seeded.localSnapshot.pools;
    proxy.pruneStateOlderThan(4);
    try {
      const first = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: configuredPools(all.slice(0, -2)) });
      const checkpoint = first.state.block as NonNullable<typeof first.state.block>;
      const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 5, swapsPerBlock: 4 });
      for (let i = 0; i < 6; i += 1) await flow.step();

      const added = await initialSync({ rpc: proxied, persistence, chainId: 31337, source: configuredPools(all) });
      expect(added.mode).toBe('restored');
      expect(added.loadedThisRun).toBe(2);
      expect(added.excluded).toEqual([]);
      const at = added.state.block as NonNullable<typeof added.state.block>;
      expect(at.number).toBeGreaterThan(checkpoint.number + 4n);
      await expectEqualToChain(added.state);
      expect((await createCheckpointRepository(db.store).get(31337))?.blockHash).toBe(at.hash);
    } finally {
      proxy.pruneStateOlderThan(undefined);
    }
  });

  it('a re-pin with factories as the source also finds the pools created between the two blocks', async () => {
    const persistence = createMarketPersistence(db.store);
    await persistence.reset(31337);
    // The chain goes back after this test: the others count the factories' pools.
    const snapshot = await anvilRpc('evm_snapshot');
    proxy.pruneStateOlderThan(4);
    try {
      await expect(initialSync({ rpc: proxied, persistence, chainId: 31337, source, chunkSize: 5, stopAfterRounds: 1 })).rejects.toThrow(/test hook/);
      const pinned = (await persistence.getSync(31337))?.blockNumber as bigint;
      const [a, b] = (await deployTestTokens(devnet.clients, [1, 2].map((k) => ({ name: `Gap${k}`, symbol: `G${k}`, decimals: 18 })))).map((t) => t.toLowerCase() as Address).sort() as [Address, Address];
      const pair = computeV2PairAddress(devnet.deployment.v2Factory, a, b).toLowerCase() as Address;
      const erc20 = (await loadArtifact('TestERC20')).abi;
      await sendAll(devnet.clients, [
        { label: 'createPair', to: devnet.deployment.v2Factory, gas: 5_000_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Factory').abi, functionName: 'createPair', args: [a, b] }) },
        { label: 'fund a', to: a, gas: 200_000n, data: encodeFunctionData({ abi: erc20, functionName: 'mint', args: [pair, 10n ** 21n] }) },
        { label: 'fund b', to: b, gas: 200_000n, data: encodeFunctionData({ abi: erc20, functionName: 'mint', args: [pair, 2n * 10n ** 21n] }) },
        { label: 'sync', to: pair, gas: 200_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Pair').abi, functionName: 'sync' }) },
      ]);
      await anvilRpc('anvil_mine', ['0x6']);

      const resumed = await initialSync({ rpc: proxied, persistence, chainId: 31337, source, chunkSize: 5 });
      expect(resumed.state.block?.number).toBeGreaterThan(pinned + 4n);
      expect(resumed.state.pool(pair)?.toSnapshot()).toMatchObject({ reserve0: 10n ** 21n, reserve1: 2n * 10n ** 21n });
      expect(resumed.excluded.map((e) => e.address)).toEqual([fotPair]);
      await expectEqualToChain(resumed.state);
    } finally {
      proxy.pruneStateOlderThan(undefined);
      await anvilRpc('evm_revert', [snapshot]);
    }
  });
});
