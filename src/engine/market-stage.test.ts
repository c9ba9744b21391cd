import { encodeFunctionData, erc20Abi, maxUint256, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClients, type ChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { FAR_DEADLINE, v3ExactInputCalldata } from '../devnet/router-calls.ts';
import { mintTestTokens } from '../devnet/test-token.ts';
import { sendAll, type TxRequest } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { snapshotFromChain } from '../market/chain-snapshot.ts';
import type { V3PoolSnapshot } from '../market/snapshot.ts';
import { Scanner } from '../scanner/scanner.ts';
import type { Opportunity } from '../scanner/types.ts';
import { createMarketPersistence } from '../store/market-persistence.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import type { MarketEvent, PoolChange } from './events.ts';
import { startMarketStage, type MarketStage } from './market-stage.ts';

// The market stage hands a V3 pool's tick map on only when a Mint or Burn changed it: after a
// Swap the event carries the price, tick and liquidity alone. Checked on the local chain against
// the real pool contracts: a Swap, a Mint of a position at ticks the pool did not have, another
// Swap, a Mint on the same ticks (their nets change in place), and a scanner fed only the events
// ranking exactly what a fresh read of the chain ranks.

const BASES = ['WETH', 'USDC', 'USDT'];
const SCANNER = { bases: BASES, maxHops: 3, gasPrice: 1n, flash: { balancerFeePips: null, aaveFeePips: null } };

describe('market stage: V3 tick maps handed on only when they change', () => {
  let devnet: Devnet;
  let store: TestStore;
  let clients: ChainClients;
  let stage: MarketStage;
  const events: MarketEvent[] = [];

  beforeAll(async () => {
    devnet = await startDevnet();
    store = await openTestStore('pglite');
    clients = createChainClients([devnet.anvil.rpcUrl, devnet.anvil.wsUrl]);
    stage = await startMarketStage({
      clients,
      persistence: createMarketPersistence(store.store),
      chainId: 31337,
      pools: devnet.seeded.localSnapshot.pools,
      gasBid: { priorityFee: 1n },
      finalityDepth: 8,
      pollIntervalMs: 100,
      maxStaleBlocks: 5,
      emit: (event) => void events.push(event),
    });
  }, 300_000);

  afterAll(async () => {
    await stage?.stop();
    await store?.cleanup();
    await devnet?.stop();
  });

  /** The change of `pool` in the event of the block that mined `request` (sent by accounts[0]). */
  async function changeAfter(request: TxRequest, pool: string): Promise<Extract<PoolChange, { protocol: 'uniswap-v3' }>> {
    const [receipt] = await sendAll(devnet.clients, [request]);
    const deadline = Date.now() + 30_000;
    let event: MarketEvent | undefined;
    while ((event = events.find((e) => e.header.number === receipt!.blockNumber)) === undefined) {
      if (Date.now() > deadline) throw new Error(`no market event for block ${receipt!.blockNumber} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const change = event.changes.find((c) => c.address === pool);
    if (change?.protocol !== 'uniswap-v3') throw new Error(`block ${receipt!.blockNumber}: no V3 change of ${pool} (${request.label})`);
    return change;
  }

  it('after a Swap: price, tick and liquidity only; after a Mint: the new map, equal to the chain; a scanner fed the events ranks as a fresh scan', async () => {
    const pool = devnet.seeded.localSnapshot.pools.find((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3' && p.liquidity > 0n)!;
    expect(pool).toBeDefined();
    const owner = devnet.clients.accounts[0]!.address as Address;
    const [token0, token1] = [pool.token0.address as Address, pool.token1.address as Address];
    await mintTestTokens(devnet.clients, [token0, token1], owner, maxUint256 / 4n);
    const { deployment } = devnet;
    await sendAll(devnet.clients, [token0, token1].flatMap((token) => [deployment.swapRouter, deployment.positionManager].map((spender) => ({
      label: `approve ${spender} for ${token}`, to: token, gas: 100_000n,
      data: encodeApprove(spender),
    }))));
    const held = await clients.publicClient.readContract({ address: token0, abi: erc20Abi, functionName: 'balanceOf', args: [pool.address as Address] });
    const swapOf = (amountIn: bigint): TxRequest => ({
      label: `swap ${amountIn} of token0 on ${pool.address}`, to: deployment.swapRouter, gas: 1_000_000n,
      data: v3ExactInputCalldata({ tokenIn: token0, tokenOut: token1, fee: pool.fee, recipient: owner, amountIn }),
    });

    // A twentieth of what the pool holds: its price moves far enough to open a gap against the others.
    const swapped = await changeAfter(swapOf(held / 20n), pool.address);
    expect(swapped.state.ticks).toBeUndefined();
    const slot0 = (await readPool(pool.address, 'slot0')) as readonly [bigint, number];
    expect([swapped.state.sqrtPriceX96, swapped.state.tick]).toEqual([slot0[0], slot0[1]]);
    expect(swapped.state.liquidity).toBe(await readPool(pool.address, 'liquidity'));

    // A position at two ticks the pool has not initialized, a few spacings off the price.
    const known = new Set(pool.ticks.map((t) => t.tick));
    const spacing = pool.tickSpacing;
    let lower = (Math.floor(swapped.state.tick / spacing) - 3) * spacing;
    while (known.has(lower)) lower -= spacing;
    let upper = (Math.floor(swapped.state.tick / spacing) + 3) * spacing;
    while (known.has(upper)) upper += spacing;
    const minted = await changeAfter({
      label: `mint [${lower}, ${upper}] on ${pool.address}`, to: deployment.positionManager, gas: 1_000_000n,
      data: encodeMint({ token0, token1, fee: pool.fee, tickLower: lower, tickUpper: upper, amount: held / 100n, recipient: owner }),
    }, pool.address);
    const { snapshot: afterMint } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: [pool.address], v2Fee: 3000 });
    const chainPool = afterMint.pools[0] as V3PoolSnapshot;
    expect(minted.state.ticks).toEqual(chainPool.ticks);
    expect(chainPool.ticks.map((t) => t.tick)).toEqual(expect.arrayContaining([lower, upper]));
    expect(minted.state.liquidity).toBe(chainPool.liquidity);

    const again = await changeAfter(swapOf(held / 2000n), pool.address);
    expect(again.state.ticks).toBeUndefined();

    // A second position on the same two ticks: their nets change in place, the ticks stay.
    const deepened = await changeAfter({
      label: `mint [${lower}, ${upper}] again on ${pool.address}`, to: deployment.positionManager, gas: 1_000_000n,
      data: encodeMint({ token0, token1, fee: pool.fee, tickLower: lower, tickUpper: upper, amount: held / 100n, recipient: owner }),
    }, pool.address);
    const { snapshot: afterSecondMint } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: [pool.address], v2Fee: 3000 });
    const chainPoolNow = afterSecondMint.pools[0] as V3PoolSnapshot;
    expect(chainPoolNow.ticks.map((t) => t.tick)).toEqual(chainPool.ticks.map((t) => t.tick));
    expect(chainPoolNow.ticks).not.toEqual(chainPool.ticks);
    expect(deepened.state.ticks).toEqual(chainPoolNow.ticks);

    // Independent of the events: the chain read afresh ranks what the events built.
    const fed = new Scanner(stage.start.market!, SCANNER);
    fed.scanAll();
    for (const event of events) {
      for (const change of event.changes) {
        const index = fed.poolIndex(change.address);
        if (change.protocol === 'uniswap-v3') fed.setV3State(index, change.state);
        else fed.setReserves(index, change.reserve0, change.reserve1);
      }
    }
    fed.refresh(events.at(-1)!.header.number);
    const { snapshot } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: devnet.seeded.localSnapshot.pools.map((p) => p.address), v2Fee: 3000 });
    const fresh = new Scanner(snapshot, SCANNER);
    fresh.scanAll();
    const key = (o: Opportunity): string => `${o.pools.join('>')} in ${o.amountIn} out ${o.amountOut} net ${o.netProfit}`;
    expect(fresh.top(10).length).toBeGreaterThan(0);
    expect(fed.top(10).map(key)).toEqual(fresh.top(10).map(key));
    const index = fed.poolIndex(pool.address);
    expect(Array.from(fed.v3State(index).ticks)).toEqual(chainPoolNow.ticks.map((t) => t.tick));
    expect(fed.v3State(index).liquidityNet).toEqual(chainPoolNow.ticks.map((t) => t.liquidityNet));
  });

  /** A V3 pool's `slot0` or `liquidity` as the chain holds it now. */
  function readPool(address: string, functionName: 'slot0' | 'liquidity'): Promise<unknown> {
    return clients.publicClient.readContract({ address: address as Address, abi: uniswapArtifact('UniswapV3Pool').abi, functionName });
  }
});

function encodeApprove(spender: Address): Hex {
  return encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, maxUint256] });
}

function encodeMint(p: { token0: Address; token1: Address; fee: number; tickLower: number; tickUpper: number; amount: bigint; recipient: Address }): Hex {
  return encodeFunctionData({
    abi: uniswapArtifact('NonfungiblePositionManager').abi, functionName: 'mint',
    args: [{ token0: p.token0, token1: p.token1, fee: p.fee, tickLower: p.tickLower, tickUpper: p.tickUpper, amount0Desired: p.amount, amount1Desired: p.amount, amount0Min: 0n, amount1Min: 0n, recipient: p.recipient, deadline: FAR_DEADLINE }],
  });
}
