import { maxUint256, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swap, type V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { v3ExactInputCalldata } from '../devnet/router-calls.ts';
import { sendAll } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { routeGasUnits, TICK_CROSS_GAS } from '../scanner/gas-table.ts';
import { V3Crossings } from '../scanner/v3-crossings.ts';
import { ERC20_ABI, revertTo, send, snapshot, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { deadlineAhead, executeOk, fixtureFlash, fixtureRoutes, readV3SwapPool } from './testing/fixture-routes.ts';

// What a V3 hop pays per initialized tick it crosses, measured against the real UniswapV3Pool: the 'v3,v3' cycle through Balancer, once on
// the fixture's pools (full-range liquidity: its second hop takes one step) and once with thin
// positions packed along that hop's path, so it crosses each of their ticks. Every crossed tick
// is minted before the pool's first swap (its feeGrowthOutside0/1 start at zero) and both fee
// growths are made non-zero before the measured swap: each crossing writes both slots zero →
// non-zero, the dear case (a fresh devnet tick).

const AMOUNT_IN = 10n * 10n ** 18n;
/** Thin positions: far too little liquidity to change the cycle's profit much. */
const THIN = 10n ** 12n;
/** Ticks left free next to the price, so the two priming swaps cross none of the new ticks. */
const CLEAR = 40;

describe('FlashArbExecutor: gas per tick a V3 swap crosses', () => {
  let f: ExecutorFixture;
  beforeAll(async () => {
    f = await startExecutorFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  /** A tiny swap each way on `pool` (SwapRouter), so both of its fee growths are non-zero. */
  async function primeFeeGrowth(pool: V3SwapPool & { address: Address; token0: Address; token1: Address }): Promise<void> {
    for (const token of [pool.token0, pool.token1]) await send(f.clients, token, ERC20_ABI, 'approve', [f.uni.swapRouter, maxUint256]);
    for (const [tokenIn, tokenOut] of [[pool.token0, pool.token1], [pool.token1, pool.token0]] as const) {
      await sendAll(f.clients, [{
        label: 'prime fee growth', to: f.uni.swapRouter, gas: 1_000_000n,
        data: v3ExactInputCalldata({ tokenIn, tokenOut, fee: pool.fee, recipient: f.clients.accounts[0]!.address, amountIn: 10n ** 15n }),
      }]);
    }
  }

  /** The second hop's pool with its tokens, read from the chain (plus the ticks minted here). */
  async function hopPool(address: Address, minted: readonly number[]): Promise<V3SwapPool & { address: Address; token0: Address; token1: Address }> {
    const abi = uniswapArtifact('UniswapV3Pool').abi;
    const read = (functionName: string, args: readonly unknown[] = []) => f.clients.publicClient.readContract({ address, abi, functionName, args });
    const pool = await readV3SwapPool(f, address);
    const entries = new Map<number, bigint>(Array.from(pool.ticks, (t, i) => [t, pool.liquidityNet[i]!]));
    for (const tick of minted) entries.set(tick, ((await read('ticks', [tick])) as readonly [bigint, bigint])[1]);
    const ticks = [...entries.keys()].sort((a, b) => a - b);
    const [token0, token1] = (await Promise.all([read('token0'), read('token1')])) as [Address, Address];
    return { ...pool, ticks: Int32Array.from(ticks), liquidityNet: ticks.map((t) => entries.get(t)!), address, token0, token1 };
  }

  /** Gas of the 'v3,v3' cycle through Balancer after priming, and the ticks its hops cross per the swap loop. */
  async function measure(minted: readonly number[]): Promise<{ gasUsed: bigint; crossed: number }> {
    const route = fixtureRoutes(f)['v3,v3'];
    const hop = route[1]!;
    await primeFeeGrowth(await hopPool(hop.pool, minted));
    const pool = await hopPool(hop.pool, minted);
    const first = await readV3SwapPool(f, route[0]!.pool);
    const zeroForOne0 = route[0]!.tokenIn.toLowerCase() < route[0]!.tokenOut.toLowerCase();
    const r0 = swap(first, zeroForOne0, AMOUNT_IN);
    const mid = -(zeroForOne0 ? r0.amount1 : r0.amount0);
    const zeroForOne = hop.tokenIn.toLowerCase() < hop.tokenOut.toLowerCase();
    // As the scanner counts them (v3-crossings.ts), which the swap loop's own count checks.
    const scannerCount = (p: V3SwapPool, z: boolean, amount: bigint): number => new V3Crossings({ get: () => p }).count(0, z, amount);
    const crossed = scannerCount(pool, zeroForOne, mid) + scannerCount(first, zeroForOne0, AMOUNT_IN);
    expect(crossed).toBe(swap(pool, zeroForOne, mid).initializedTicksCrossed + r0.initializedTicksCrossed);
    const receipt = await executeOk(f, { route, amountIn: AMOUNT_IN, minProfit: 1n, deadlineBlock: await deadlineAhead(f), flash: fixtureFlash(f, 'balancer', route)! });
    return { gasUsed: receipt.gasUsed, crossed };
  }

  it('each crossing costs at most TICK_CROSS_GAS (and not 3 % less), and the table plus the crossings covers the chain gas the table alone falls short of', async () => {
    const route = fixtureRoutes(f)['v3,v3'];
    const hop = route[1]!;
    const start: Hex = await snapshot(f.clients);
    const plain = await measure([]);
    await revertTo(f.clients, start);

    // Ticks along the second hop's path at its spacing, from CLEAR ticks off the price to where the swap ends.
    const before = await hopPool(hop.pool, []);
    const zeroForOne = hop.tokenIn.toLowerCase() < hop.tokenOut.toLowerCase();
    const end = swap(before, zeroForOne, AMOUNT_IN).tick;
    const s = before.tickSpacing;
    const ticks: number[] = [];
    if (zeroForOne) for (let t = Math.floor((before.tick - CLEAR) / s) * s; t > end + s; t -= s) ticks.unshift(t);
    else for (let t = Math.ceil((before.tick + CLEAR) / s) * s; t < end - s; t += s) ticks.push(t);
    expect(ticks.length).toBeGreaterThanOrEqual(10);
    const pm = uniswapArtifact('NonfungiblePositionManager').abi;
    for (let i = 0; i + 1 < ticks.length; i++) {
      await send(f.clients, f.uni.positionManager, pm, 'mint', [{
        token0: before.token0, token1: before.token1, fee: before.fee, tickLower: ticks[i]!, tickUpper: ticks[i + 1]!,
        amount0Desired: THIN, amount1Desired: THIN, amount0Min: 0n, amount1Min: 0n, recipient: f.clients.accounts[0]!.address, deadline: 1n << 40n,
      }]);
    }
    const crossing = await measure(ticks);
    await revertTo(f.clients, start);

    expect(plain.crossed).toBe(0);
    expect(crossing.crossed).toBe(ticks.length);
    const n = BigInt(crossing.crossed);
    const perCrossing = (crossing.gasUsed - plain.gasUsed + n - 1n) / n;
    console.log(`tick crossings: ${plain.gasUsed} gas crossing none, ${crossing.gasUsed} crossing ${crossing.crossed}: ${perCrossing} gas per crossing; TICK_CROSS_GAS ${TICK_CROSS_GAS}`);
    expect(TICK_CROSS_GAS).toBeGreaterThanOrEqual(perCrossing);
    expect(Number(TICK_CROSS_GAS - perCrossing) / Number(perCrossing)).toBeLessThan(0.03);
    // What the scanner charges such a route (gas table + its crossings) covers what the chain
    // charged; the table alone (the scanner before crossings were counted) does not.
    const table = routeGasUnits(['v3', 'v3'], 'balancer');
    expect(table + n * TICK_CROSS_GAS).toBeGreaterThanOrEqual(crossing.gasUsed);
    expect(table).toBeLessThan(crossing.gasUsed);
  });
});
