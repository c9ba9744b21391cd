import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClients } from './chain/clients.ts';
import { startDevnet, type Devnet } from './devnet/devnet.ts';
import { startEngine, type Engine } from './engine.ts';
import { snapshotFromChain } from './market/chain-snapshot.ts';
import { Scanner } from './scanner/scanner.ts';
import { uniswapArtifact } from './devnet/uniswap-artifacts.ts';
import { openStore, migrate, type Store } from './store/index.ts';

const BASES = ['WETH', 'USDC', 'USDT'];

describe('engine (sim): the market follower feeds the scanner', () => {
  let devnet: Devnet;
  let store: Store;
  let engine: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'orion-engine-'));

  beforeAll(async () => {
    // Big noise swaps so real gaps open within a few blocks.
    devnet = await startDevnet({ blockTime: 1, flow: { seed: 7, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openStore({ dataDir: dir });
    await migrate(store);
    engine = await startEngine({
      store,
      rpcUrls: [devnet.anvil.rpcUrl, devnet.anvil.wsUrl],
      expectedChainId: 31337,
      pools: devnet.seeded.localSnapshot.pools,
      baseTokens: BASES,
      maxHops: 3,
      maxStaleBlocks: 5,
    });
  });
  afterAll(async () => {
    await engine?.stop();
    await store?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after blocks of noise trades, ranks exactly what a fresh scan of the chain ranks', async () => {
    const clients = createChainClients([devnet.anvil.rpcUrl]);
    const blockNumber = async () => BigInt((await clients.pool.request('eth_blockNumber', [])) as string);
    const start = await blockNumber();
    while ((await blockNumber()) < start + 8n) await new Promise((r) => setTimeout(r, 250));
    await devnet.flow!.stop();
    expect(devnet.flow!.stats.swaps).toBeGreaterThan(20);

    // Once the flow is quiet, let the engine reach the head; the state no longer changes.
    const head = await blockNumber();
    const deadline = Date.now() + 30_000;
    while (engine.status().market.monitor.tip.number < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.status().market.monitor.tip.number).toBeGreaterThanOrEqual(head);

    const { snapshot } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: devnet.seeded.localSnapshot.pools.map((p) => p.address), v2Fee: 3000 });
    const fresh = new Scanner(snapshot, { bases: BASES, maxHops: 3, gasPrice: BigInt(engine.status().gasPrice) });
    fresh.scanAll();
    const key = (o: { pools: string[]; amountIn: bigint; amountOut: bigint; netProfit: bigint }) => `${o.pools.join('>')} in ${o.amountIn} out ${o.amountOut} net ${o.netProfit}`;
    const expected = fresh.top(10).map(key);
    expect(expected.length).toBeGreaterThan(0);
    expect(engine.top().map(key)).toEqual(expected);
    expect(engine.status().scanner.ranked).toBe(fresh.stats().ranked);

    // And each hop of the best opportunities is what the real contracts quote for it now:
    // Router02.getAmountsOut for a V2 pair, QuoterV2 for a V3 pool.
    const { publicClient } = devnet.clients;
    const byAddress = new Map(devnet.seeded.localSnapshot.pools.map((pool) => [pool.address, pool]));
    for (const opportunity of engine.top().slice(0, 3)) {
      for (let hop = 0; hop < opportunity.pools.length; hop++) {
        const pool = byAddress.get(opportunity.pools[hop]!)!;
        const tokenIn = opportunity.tokens[hop]! as `0x${string}`;
        const tokenOut = opportunity.tokens[hop + 1]! as `0x${string}`;
        const amountIn = opportunity.amounts[hop]!;
        const quoted = pool.protocol === 'uniswap-v2'
          ? ((await publicClient.readContract({
              address: devnet.deployment.v2Router, abi: uniswapArtifact('UniswapV2Router02').abi, functionName: 'getAmountsOut', args: [amountIn, [tokenIn, tokenOut]],
            })) as readonly bigint[])[1]
          : ((await publicClient.readContract({
              address: devnet.deployment.quoterV2, abi: uniswapArtifact('QuoterV2').abi, functionName: 'quoteExactInputSingle',
              args: [{ tokenIn, tokenOut, fee: pool.fee, amountIn, sqrtPriceLimitX96: 0n }],
            })) as readonly bigint[])[0];
        expect(quoted, `hop ${hop} of ${opportunity.pools.join('>')}`).toBe(opportunity.amounts[hop + 1]);
      }
    }
  });
});
