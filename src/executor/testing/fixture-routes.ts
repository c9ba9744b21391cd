import type { Address, TransactionReceipt } from 'viem';
import { getAmountOut } from '../../amm/uniswap-v2.ts';
import { swap, type V3SwapPool } from '../../amm/uniswap-v3/pool.ts';
import { MAX_TICK } from '../../amm/uniswap-v3/tick-math.ts';
import { sendAll } from '../../devnet/transactions.ts';
import { uniswapArtifact } from '../../devnet/uniswap-artifacts.ts';
import { nextBlockLater, type ExecutorFixture } from './executor-fixture.ts';
import { encodeExecute, type ExecuteParams, type FlashKind, type FlashSource, type RouteHop } from '../route-codec.ts';

/**
 * Test-only: the profitable cycles of the executor fixture by route shape, the flash sources that
 * fit each, and the exact prediction of a cycle's profit (V2 hops with src/amm's getAmountOut on
 * the pair's reserves; V3 hops with src/amm's V3 swap loop on the pool's state read from the
 * chain), net of each lender's fee.
 */

/** Route shapes measured for the scanner's gas table. */
export type RouteShape = 'v2,v2' | 'v2,v2,v2' | 'v3,v3' | 'v3,v3,v3' | 'v2,v3' | 'v3,v2' | 'v2,v3,v2' | 'v3,v2,v3';

const hop = (pool: Address, protocol: 'v2' | 'v3', tokenIn: Address, tokenOut: Address, fee: number): RouteHop => ({ pool, protocol, tokenIn, tokenOut, fee });

/** One profitable cycle per shape, from the fixture's mispriced pools. */
export function fixtureRoutes(f: ExecutorFixture): Record<RouteShape, RouteHop[]> {
  const { base, a, b } = f.tokens;
  const p = f.pools;
  return {
    'v2,v2': [hop(p.v2ForkBaseA, 'v2', base, a, 3000), hop(p.v2BaseA, 'v2', a, base, 3000)],
    'v2,v2,v2': [hop(p.v2BaseA, 'v2', base, a, 3000), hop(p.v2AB, 'v2', a, b, 3000), hop(p.v2BBase, 'v2', b, base, 3000)],
    'v3,v3': [hop(p.v3BaseA3000, 'v3', base, a, 3000), hop(p.v3BaseA500, 'v3', a, base, 500)],
    'v3,v3,v3': [hop(p.v3BaseA500, 'v3', base, a, 500), hop(p.v3AB3000, 'v3', a, b, 3000), hop(p.v3BBase3000, 'v3', b, base, 3000)],
    'v2,v3': [hop(p.v2ForkBaseA, 'v2', base, a, 3000), hop(p.v3BaseA500, 'v3', a, base, 500)],
    'v3,v2': [hop(p.v3BaseA3000, 'v3', base, a, 3000), hop(p.v2BaseA, 'v2', a, base, 3000)],
    'v2,v3,v2': [hop(p.v2ForkBaseA, 'v2', base, a, 3000), hop(p.v3AB3000, 'v3', a, b, 3000), hop(p.v2BBase, 'v2', b, base, 3000)],
    'v3,v2,v3': [hop(p.v3BaseA500, 'v3', base, a, 500), hop(p.v2AB, 'v2', a, b, 3000), hop(p.v3BBase3000, 'v3', b, base, 3000)],
  };
}

/** The flash source of `kind` for the fixture (undefined when it cannot serve `route`). */
export function fixtureFlash(f: ExecutorFixture, kind: FlashKind, route: readonly RouteHop[]): FlashSource | undefined {
  switch (kind) {
    case 'none': return { kind };
    case 'v2-flash-swap': return route[0]!.protocol === 'v2' ? { kind } : undefined;
    case 'v3-flash': return { kind, lender: f.pools.v3LenderBaseB };
    case 'balancer': return { kind, lender: f.balancer.vault };
    case 'aave': return { kind, lender: f.aave.pool };
  }
}

/** The lender's fee on `amount` exactly as each lender computes it. */
export function flashFee(f: ExecutorFixture, kind: FlashKind, amount: bigint): bigint {
  switch (kind) {
    case 'none':
    case 'v2-flash-swap': return 0n; // the flash swap's fee is the first hop's swap fee, already in the output
    case 'v3-flash': return (amount * 10_000n + 999_999n) / 1_000_000n; // 1 % lender pool, FullMath.mulDivRoundingUp
    case 'balancer': return 0n; // the Vault's flash fee percentage is 0 unless governance sets one
    case 'aave': return (amount * BigInt(f.aave.flashPremiumBps) + 5_000n) / 10_000n; // PercentageMath.percentMul
  }
}

/**
 * A V3 pool's swap state read from the chain. The fixture's pools hold full-range positions only,
 * so the initialized ticks are among the two extreme usable ticks; each is read, not assumed.
 */
export async function readV3SwapPool(f: ExecutorFixture, address: Address): Promise<V3SwapPool> {
  const abi = uniswapArtifact('UniswapV3Pool').abi;
  const read = (functionName: string, args: readonly unknown[] = []) => f.clients.publicClient.readContract({ address, abi, functionName, args });
  const [fee, tickSpacing, slot0, liquidity] = (await Promise.all([read('fee'), read('tickSpacing'), read('slot0'), read('liquidity')])) as [number, number, readonly [bigint, number], bigint];
  const edge = Math.floor(MAX_TICK / tickSpacing) * tickSpacing;
  const ticks: number[] = [];
  const liquidityNet: bigint[] = [];
  for (const tick of [-edge, edge]) {
    const info = (await read('ticks', [tick])) as readonly [bigint, bigint, ...unknown[]];
    if (info[7] === true) {
      ticks.push(tick);
      liquidityNet.push(info[1]);
    }
  }
  return { fee, tickSpacing, sqrtPriceX96: slot0[0], tick: slot0[1], liquidity, ticks: Int32Array.from(ticks), liquidityNet };
}

/** Output of `route` for `amountIn`, hop by hop, from the chain's current state. */
export async function predictOutput(f: ExecutorFixture, route: readonly RouteHop[], amountIn: bigint): Promise<bigint> {
  const { publicClient } = f.clients;
  let amount = amountIn;
  for (const h of route) {
    if (h.protocol === 'v2') {
      const [r0, r1] = (await publicClient.readContract({ address: h.pool, abi: uniswapArtifact('UniswapV2Pair').abi, functionName: 'getReserves', args: [] })) as [bigint, bigint, number];
      const zeroForOne = h.tokenIn.toLowerCase() < h.tokenOut.toLowerCase();
      amount = zeroForOne ? getAmountOut(amount, r0, r1, h.fee) : getAmountOut(amount, r1, r0, h.fee);
    } else {
      const pool = await readV3SwapPool(f, h.pool);
      const zeroForOne = h.tokenIn.toLowerCase() < h.tokenOut.toLowerCase();
      const result = swap(pool, zeroForOne, amount);
      amount = -(zeroForOne ? result.amount1 : result.amount0);
    }
  }
  return amount;
}

/** Predicted profit of `route` with `amountIn` from flash source `kind`, net of the lender's fee. */
export async function predictProfit(f: ExecutorFixture, route: readonly RouteHop[], amountIn: bigint, kind: FlashKind): Promise<bigint> {
  return (await predictOutput(f, route, amountIn)) - amountIn - flashFee(f, kind, amountIn);
}

/** A block number a few blocks ahead (the default deadline of the tests). */
export async function deadlineAhead(f: ExecutorFixture, blocks = 5n): Promise<bigint> {
  return (await f.clients.publicClient.getBlockNumber({ cacheTime: 0 })) + blocks;
}

/** Sends `execute` from `from` (default: the hot executor key) through the devnet's sender, which throws on a revert. */
export async function executeOk(f: ExecutorFixture, params: ExecuteParams, from = f.clients.accounts[3]!): Promise<TransactionReceipt> {
  // A block of its own, later than the last: the gas measured is that of a pool's first swap in a block.
  await nextBlockLater(f.clients);
  const [receipt] = await sendAll(f.clients, [{ label: 'execute', to: f.executor, gas: 3_000_000n, data: encodeExecute(params) }], { from });
  return receipt!;
}

