import { getAddress, parseAbi, type Address } from 'viem';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { iUniswapV2PairMinimalAbi } from '../contracts/abis/IUniswapV2PairMinimal.ts';
import { testERC20Abi } from '../contracts/abis/TestERC20.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { balanceOf, deployOurs, send } from '../executor/testing/executor-fixture.ts';
import { decodeExecutedEvents, executeArgs, type RouteHop } from '../executor/route-codec.ts';
import type { PoolSnapshot, V3PoolSnapshot } from '../market/snapshot.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot } from './test-market.ts';
import type { Opportunity } from './types.ts';

const E18 = 10n ** 18n;
const V3_STATE_ABI = parseAbi([
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)',
  'function liquidity() view returns (uint128)',
]);

/** A V3 T0/T1 pool (0.30 %) at tick 7440 (~2.105 T1 per T0), one position over ±1,200 ticks. */
function v3Pool(): V3PoolSnapshot {
  const liquidity = 5n * 10n ** 20n;
  const { token0, token1 } = testPool(9, 0, 1, 1n, 1n);
  return {
    protocol: 'uniswap-v3', address: `0x${'e9'.padStart(40, '0')}`, fee: 3000, tickSpacing: 60, token0, token1,
    sqrtPriceX96: getSqrtRatioAtTick(7440), tick: 7440, liquidity,
    ticks: [{ tick: 6240, liquidityNet: liquidity }, { tick: 8640, liquidityNet: -liquidity }],
  };
}

/**
 * A market with price gaps: two triangles through the base T0 that share the T0/T1 pair, one
 * through a 6-decimal token (T2) and one through an 8-decimal token (T3), and a V3 T0/T1 pool
 * priced off that pair (a mixed two-hop cycle), so executing one moves the others' prices and
 * the scanner must follow the chain to keep predicting to the wei.
 */
function gappedMarket(): PoolSnapshot[] {
  const pools = [
    testPool(0, 0, 1, 1000n * E18, 2000n * E18),
    testPool(1, 1, 2, 2000n * E18, 2100n * 10n ** 6n),
    testPool(2, 2, 0, 2000n * 10n ** 6n, 1000n * E18),
    testPool(3, 0, 3, 500n * E18, 1000n * 10n ** 8n),
    testPool(4, 3, 1, 1000n * 10n ** 8n, 1040n * E18),
  ];
  const decimals: Record<string, number> = { T2: 6, T3: 8 };
  const v2 = pools.map((p) => ({
    ...p,
    token0: { ...p.token0, decimals: decimals[p.token0.symbol] ?? 18 },
    token1: { ...p.token1, decimals: decimals[p.token1.symbol] ?? 18 },
  }));
  return [...v2, v3Pool()];
}

describe('scanner predictions executed through FlashArbExecutor on the local chain', () => {
  let devnet: Devnet;
  let executor: Address;
  let mixedRoutes = 0;

  beforeAll(async () => {
    devnet = await startDevnet({ snapshot: testSnapshot(gappedMarket(), null, 1), cacheDir: false });
    const [owner, cold] = devnet.clients.accounts;
    executor = await deployOurs(devnet.clients, 'FlashArbExecutor', [owner!.address, cold!.address]);
    // Routes that start on a V3 pool cannot borrow through a V2 flash swap: they run on the
    // executor's own balance (flash source 'none', fee 0, the same profit arithmetic).
    const base = devnet.seeded.tokenAddress.get(testPool(0, 0, 1, 1n, 1n).token0.address)!;
    await send(devnet.clients, getAddress(base), testERC20Abi, 'mint', [executor, 10_000n * E18]);
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it('realizes exactly the predicted profit, opportunity after opportunity, following the chain', async () => {
    const { clients, seeded } = devnet;
    const local = seeded.localSnapshot;
    const base = seeded.tokenAddress.get(testPool(0, 0, 1, 1n, 1n).token0.address)!;
    expect(local.pools.filter((p) => p.protocol === 'uniswap-v3')).toHaveLength(1);
    const scanner = new Scanner(local, { bases: [base] });
    scanner.scanAll();
    const profits: bigint[] = [];
    for (let round = 0; round < 8; round++) {
      const [opp] = scanner.top(1);
      if (opp === undefined) break;
      const realized = await execute(opp);
      expect(realized, `round ${round}: ${opp.tokens.join('>')}`).toBe(opp.profit);
      profits.push(realized);
      // Follow the chain: read back every pool and hand the scanner the reserves a monitor would.
      const block = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
      for (const pool of local.pools) {
        const address = getAddress(pool.address);
        const i = scanner.poolIndex(pool.address);
        if (pool.protocol === 'uniswap-v3') {
          const [sqrtPriceX96, tick] = await clients.publicClient.readContract({ address, abi: V3_STATE_ABI, functionName: 'slot0' });
          const liquidity = await clients.publicClient.readContract({ address, abi: V3_STATE_ABI, functionName: 'liquidity' });
          if (sqrtPriceX96 !== pool.sqrtPriceX96 || liquidity !== pool.liquidity) scanner.setV3State(i, { sqrtPriceX96, tick, liquidity });
          Object.assign(pool, { sqrtPriceX96, tick, liquidity });
          continue;
        }
        const [r0, r1] = (await clients.publicClient.readContract({ address, abi: iUniswapV2PairMinimalAbi, functionName: 'getReserves' })) as readonly [bigint, bigint, number];
        if (r0 !== scanner.pools.reserve0[i] || r1 !== scanner.pools.reserve1[i]) scanner.setReserves(i, r0, r1);
      }
      scanner.refresh(block);
      // Cycles through a pool the trade moved were recomputed at this block; the rest keep theirs.
      for (const next of scanner.top(5)) {
        if (next.pools.some((p) => opp.pools.includes(p))) expect(next.block).toBe(block);
        else expect(next.block! < block).toBe(true);
      }
    }
    // Both triangles were profitable before the first trade, and they share a pair: the gaps
    // close round after round, each trade predicted to the wei from the state the chain reported.
    expect(profits.length).toBeGreaterThanOrEqual(4);
    expect(mixedRoutes).toBeGreaterThan(0);
    expect(profits[0]! > profits[profits.length - 1]! * 100n).toBe(true);
  });

  async function execute(opp: Opportunity): Promise<bigint> {
    const { clients } = devnet;
    const protocols = new Map(devnet.seeded.localSnapshot.pools.map((p) => [p.address, p.protocol]));
    const route: RouteHop[] = opp.pools.map((pool, h) => ({
      pool: getAddress(pool), protocol: protocols.get(pool) === 'uniswap-v3' ? 'v3' : 'v2',
      tokenIn: getAddress(opp.tokens[h]!), tokenOut: getAddress(opp.tokens[h + 1]!), fee: 3000,
    }));
    if (route.some((hop) => hop.protocol === 'v3')) mixedRoutes++;
    const baseToken = getAddress(opp.tokens[0]!);
    const before = await balanceOf(clients, baseToken, executor);
    const head = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
    const receipt = await send(clients, executor, flashArbExecutorAbi, 'execute', executeArgs({
      route, amountIn: opp.amountIn, minProfit: opp.netProfit, deadlineBlock: head + 5n,
      flash: { kind: route[0]!.protocol === 'v2' ? 'v2-flash-swap' : 'none' },
    }));
    const after = await balanceOf(clients, baseToken, executor);
    const [event] = decodeExecutedEvents(receipt.logs, executor);
    expect(event?.profit).toBe(after - before);
    return after - before;
  }
});
