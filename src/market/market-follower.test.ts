import { createMarketPersistence } from '../store/market-persistence.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChainClients } from '../chain/clients.ts';
import { startFaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { mineTransfer, startAnvilSharingHistory } from '../chain/testing/forked-anvils.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { startNoiseFlow } from '../devnet/flow.ts';
import { readPoolStates } from '../devnet/read-pools.ts';
import { createMarketSyncRepository } from '../store/market-sync-repository.ts';
import { forEachBackend } from '../store/test-store.ts';
import type { Store } from '../store/types.ts';
import { RetryableError } from '../errors.ts';
import { startMarketFollower, type MarketFollowerOptions } from './market-follower.ts';
import type { PoolSnapshot } from './snapshot.ts';

let devnet: Devnet;

const key = (p: PoolSnapshot | undefined): string =>
  p === undefined ? 'missing' : p.protocol === 'uniswap-v2' ? `${p.address} ${p.reserve0} ${p.reserve1}` : `${p.address} ${p.sqrtPriceX96} ${p.tick} ${p.liquidity} ${p.ticks.map((t) => `${t.tick}:${t.liquidityNet}`).join(',')}`;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  devnet = await startDevnet();
});
afterAll(async () => {
  await devnet?.stop();
});

/** The follower of the devnet's pools over WebSocket heads, on `store`. */
function followerOptions(store: Store, more: Partial<MarketFollowerOptions>): MarketFollowerOptions {
  const pools = devnet.seeded.localSnapshot.pools;
  return {
    clients: createChainClients([devnet.anvil.rpcUrl, devnet.anvil.wsUrl]),
    persistence: createMarketPersistence(store),
    chainId: 31337,
    source: { kind: 'pools', pools: pools.map((p) => ({ ...p, token0: p.token0.address, token1: p.token1.address, ...(p.protocol === 'uniswap-v3' ? { tickSpacing: p.tickSpacing } : {}) })) },
    finalityDepth: 8,
    pollIntervalMs: 100,
    maxStaleBlocks: 2,
    ...more,
  };
}

// On every backend (PGlite, and PostgreSQL when TEST_DATABASE_URL is set), one chain for both.
forEachBackend('market follower (sync + monitor + staleness + checkpoints)', (db) => {
  it('follows the chain over WebSocket heads, stays fresh, checkpoints, and restarts from the checkpoint', async () => {
    const pools = devnet.seeded.localSnapshot.pools;
    const options = followerOptions(db.store, { checkpointEveryBlocks: 2 });
    const follower = await startMarketFollower(options);
    expect(follower.sync.mode).toBe('fresh');
    const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 5, swapsPerBlock: 2 });
    await until('the WebSocket subscription', () => follower.status().monitor.mode === 'websocket');
    for (let i = 0; i < 4; i += 1) await flow.step();
    const head = await devnet.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    await until('the state to reach the head', () => follower.state.block?.number === head);
    await until('a fresh verdict', () => follower.guard.verdict().fresh && follower.guard.verdict().stateBlock === head);
    const chain = await readPoolStates(devnet.clients, devnet.seeded.lens, pools, head);
    expect(pools.map((p) => key(follower.state.pool(p.address)?.toSnapshot()))).toEqual(chain.map(key));
    await follower.stop();
    const stored = await createMarketSyncRepository(db.store).getSync(31337);
    expect(stored?.blockNumber).toBe(head);

    const again = await startMarketFollower(options);
    try {
      expect(again.sync.mode).toBe('restored');
      expect(again.state.block?.hash).toBe(follower.state.block?.hash);
      expect(pools.map((p) => key(again.state.pool(p.address)?.toSnapshot()))).toEqual(chain.map(key));
    } finally {
      await again.stop();
    }
  });

  it('a deferred checkpoint is written when its turn comes, scheduled once however many blocks fell due, with every pool changed meanwhile', async () => {
    const pools = devnet.seeded.localSnapshot.pools;
    const held: (() => Promise<void>)[] = [];
    const options = followerOptions(db.store, { checkpointEveryBlocks: 1, deferCheckpoint: (save) => void held.push(save) });
    const repository = createMarketSyncRepository(db.store);
    const follower = await startMarketFollower(options);
    const startedAt = (await repository.getSync(31337))?.blockNumber;
    const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 6, swapsPerBlock: 3 });
    await until('the WebSocket subscription', () => follower.status().monitor.mode === 'websocket');
    for (let i = 0; i < 3; i += 1) await flow.step();
    const head = await devnet.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    await until('the state to reach the head', () => follower.state.block?.number === head);
    // Due at every block, scheduled once, and nothing written until it runs.
    expect(held).toHaveLength(1);
    expect((await repository.getSync(31337))?.blockNumber).toBe(startedAt);
    await held[0]!();
    expect((await repository.getSync(31337))?.blockNumber).toBe(head);
    // What it wrote is the chain's state of every pool: a restart without any further write reads it back.
    const chain = await readPoolStates(devnet.clients, devnet.seeded.lens, pools, head);
    await follower.stop();
    const plain: MarketFollowerOptions = { ...options };
    delete plain.deferCheckpoint;
    const again = await startMarketFollower(plain);
    try {
      expect(again.sync.mode).toBe('restored');
      expect(pools.map((p) => key(again.state.pool(p.address)?.toSnapshot()))).toEqual(chain.map(key));
    } finally {
      await again.stop();
    }
  });

  // What runs downstream of the state (the engine's stages) failing on a block must not reach the
  // stream. Before, the stream delivered the block again, the state refused it as not extending
  // it (already applied), and that fault, not retryable, stopped the following for good.
  it('a failure downstream of a block neither stops the following nor loses the pools it changed: they come with the next block', async () => {
    let failedWith: string[] | null = null;
    const after: string[][] = [];
    const transient: unknown[] = [];
    const follower = await startMarketFollower(followerOptions(db.store, {
      onBlock: (applied) => {
        if (failedWith === null && applied.changed.length > 0) {
          failedWith = [...applied.changed];
          throw new RetryableError('downstream hiccup (once)');
        }
        if (failedWith !== null) after.push([...applied.changed]);
      },
      onTransientError: (error) => void transient.push(error),
    }));
    try {
      const flow = await startNoiseFlow(devnet.clients, devnet.deployment, devnet.seeded, { seed: 8, swapsPerBlock: 2 });
      for (let i = 0; i < 3; i += 1) await flow.step();
      const head = await devnet.clients.publicClient.getBlockNumber({ cacheTime: 0 });
      await until('the state to reach the head', () => follower.state.block?.number === head);
      expect(failedWith).not.toBeNull();
      expect(transient.map((e) => (e as Error).message)).toEqual(['downstream hiccup (once)']);
      expect(follower.status().monitor.lastError).toBeNull();
      // The first block delivered after the failure carries the failed block's pools too.
      expect(after.length).toBeGreaterThan(0);
      expect(after[0]).toEqual(expect.arrayContaining(failedWith!));
      // And the state is the chain's.
      const pools = devnet.seeded.localSnapshot.pools;
      const chain = await readPoolStates(devnet.clients, devnet.seeded.lens, pools, head);
      expect(pools.map((p) => key(follower.state.pool(p.address)?.toSnapshot()))).toEqual(chain.map(key));
    } finally {
      await follower.stop();
    }
  });
});

// Two endpoints whose nodes share history, then fork: the follower's state follows the primary,
// and its status (what /health serves) must say the other endpoint is on another fork.
forEachBackend('market follower on endpoints that fork', (db) => {
  it('refuses decisions with the fork in its status, naming the endpoint and both hashes, and quarantines that endpoint, until it rejoins our chain', async () => {
    const nodes: Anvil[] = [];
    const a = await startAnvil();
    nodes.push(a);
    await mineTransfer(a.rpcUrl, 1n);
    const b = await startAnvilSharingHistory(a.rpcUrl);
    nodes.push(b);
    const other = await startFaultInjectingProxy(b.rpcUrl);
    const follower = await startMarketFollower({
      clients: createChainClients([a.rpcUrl, other.url]),
      persistence: createMarketPersistence(db.store),
      chainId: 31337,
      source: { kind: 'pools', pools: [] },
      finalityDepth: 8,
      pollIntervalMs: 50,
      maxStaleBlocks: 2,
    });
    try {
      await until('a fresh verdict on the shared history', () => follower.guard.verdict().fresh);
      const ours = await mineTransfer(a.rpcUrl, 2n);
      const theirs = await mineTransfer(b.rpcUrl, 3n);
      expect(theirs.number).toBe(ours.number);
      await until('the state at the new block of the primary', () => follower.state.block?.hash === ours.hash);
      await until('the fork verdict', () => follower.status().freshness.fresh === false && follower.status().freshness.stateBlock === ours.number);
      const freshness = follower.status().freshness;
      expect(freshness).toMatchObject({ fresh: false, reason: 'fork', fork: { block: ours.number, ours: ours.hash, disagreeing: [{ url: other.url, hash: theirs.hash }], agreeing: [a.rpcUrl] } });
      expect(follower.guard.allowsDecisions()).toBe(false);
      // The same probe quarantined the other endpoint in the pool: /health says so, and why.
      expect(follower.status().endpoints.map((e) => e.quarantined)).toEqual([null, `on another fork at block ${ours.number}: it has ${theirs.hash}, our state ${ours.hash}`]);

      // The other endpoint's node resyncs onto our chain: decisions are allowed again.
      const resynced = await startAnvilSharingHistory(a.rpcUrl);
      nodes.push(resynced);
      other.setUpstream(resynced.rpcUrl);
      await until('a fresh verdict again', () => follower.guard.verdict().fresh);
      expect(follower.status().freshness).toEqual({ fresh: true, stateBlock: ours.number, head: ours.number, ageBlocks: 0 });
      expect(follower.status().endpoints.map((e) => e.quarantined)).toEqual([null, null]);
    } finally {
      await follower.stop();
      await other.close();
      for (const node of nodes) await node.stop();
    }
  });
});
