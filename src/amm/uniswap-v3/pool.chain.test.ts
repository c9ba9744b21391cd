import fc from 'fast-check';
import type { Abi, Address } from 'viem';
import { encodeFunctionData, maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniswapArtifact } from '../../devnet/uniswap-artifacts.ts';
import type { V3PoolSnapshot } from '../../market/snapshot.ts';
import { V3Pool } from '../../market/v3-pool.ts';
import { randomV3Pools } from '../testing/random-pools.ts';
import { resetHarness, startHarness, traderBalances, traderCall, traderTx, type Harness } from '../testing/devnet-harness.ts';
import { swap, type V3SwapResult } from './pool.ts';
import { getSqrtRatioAtTick, MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './tick-math.ts';
import { testSeed } from '../../../test/test-seed.ts';

/**
 * Differential property test of the V3 swap loop against the real contracts on a local chain:
 * 42 random pools (seven kinds of liquidity layout x six fee tiers, prices near both bounds),
 * random swaps (both directions, exact in and out, 1 wei to beyond the whole pool, optional
 * price limits). Each case must equal QuoterV2's answer and the balance changes and pool state
 * left by a real swap through SwapRouter, to the wei; a swap we reject must revert on chain.
 */

const SEED = testSeed();
const RUNS = Number(process.env.ORION_AMM_RUNS ?? 500);
// Replays one failing case: TEST_SEED and ORION_AMM_PATH as fast-check printed them.
const REPLAY = process.env.ORION_AMM_PATH === undefined ? {} : { path: process.env.ORION_AMM_PATH };
const POOLS = 42;
const MAX_INT256 = (1n << 255n) - 1n;
const quoterAbi = uniswapArtifact('QuoterV2').abi;
const routerAbi = uniswapArtifact('SwapRouter').abi;
const poolAbi = uniswapArtifact('UniswapV3Pool').abi;

interface Prepared {
  snapshot: V3PoolSnapshot; // local addresses
  model: V3Pool;
  /** Whole-pool input and output per direction [zeroForOne, oneForZero]. */
  maxIn: [bigint, bigint];
  maxOut: [bigint, bigint];
}

interface Case {
  pool: number;
  zeroForOne: boolean;
  amountKind: 'one' | 'max' | 'max+1' | 'random';
  bits: number;
  mantissa: bigint;
  limit: { frac: number; offset: bigint } | null;
}

const caseArb = fc.record({
  pool: fc.nat(POOLS - 1),
  zeroForOne: fc.boolean(),
  amountKind: fc.constantFrom<Case['amountKind']>('one', 'max', 'max+1', 'random', 'random', 'random', 'random', 'random'),
  bits: fc.integer({ min: 1, max: 256 }),
  mantissa: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    // About one case in three carries a price limit.
  limit: fc.oneof(
    { arbitrary: fc.constant(null), weight: 2 },
    { arbitrary: fc.record({ frac: fc.double({ min: 0, max: 1, noNaN: true }), offset: fc.bigInt({ min: 0n, max: 1n << 160n }) }), weight: 1 },
  ),
});

const bitLength = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);

function amountOf(c: Case, base: bigint): bigint {
  const b = base === 0n ? 1n << 64n : base;
  let amount: bigint;
  switch (c.amountKind) {
    case 'one': amount = 1n; break;
    case 'max': amount = b; break;
    case 'max+1': amount = b + 1n; break;
    default: {
      const bits = 1 + (c.bits % (bitLength(b) + 1));
      amount = 1n + (c.mantissa % (1n << BigInt(bits)));
    }
  }
  return amount > (1n << 253n) ? 1n << 253n : amount;
}

/** A price limit between the pool price and the extreme in the swap direction (skewed towards the price). */
function limitOf(c: Case, pool: V3Pool): bigint | undefined {
  if (c.limit === null) return undefined;
  const f = c.limit.frac ** 3;
  if (c.zeroForOne) {
    const t = Math.max(MIN_TICK, pool.tick - Math.floor(f * (pool.tick - MIN_TICK)));
    const limit = getSqrtRatioAtTick(t) + (c.limit.offset % (1n << 64n));
    const clamped = limit >= pool.sqrtPriceX96 ? pool.sqrtPriceX96 - 1n : limit <= MIN_SQRT_RATIO ? MIN_SQRT_RATIO + 1n : limit;
    return clamped > MIN_SQRT_RATIO && clamped < pool.sqrtPriceX96 ? clamped : undefined;
  }
  const t = Math.min(MAX_TICK, pool.tick + 1 + Math.floor(f * (MAX_TICK - pool.tick - 1)));
  const limit = getSqrtRatioAtTick(t) - (c.limit.offset % (1n << 64n));
  const clamped = limit <= pool.sqrtPriceX96 ? pool.sqrtPriceX96 + 1n : limit >= MAX_SQRT_RATIO ? MAX_SQRT_RATIO - 1n : limit;
  return clamped > pool.sqrtPriceX96 && clamped < MAX_SQRT_RATIO ? clamped : undefined;
}

function whole(model: V3Pool, zeroForOne: boolean): { input: bigint; output: bigint } {
  try {
    const r = swap(model, zeroForOne, MAX_INT256);
    return zeroForOne ? { input: r.amount0, output: -r.amount1 } : { input: r.amount1, output: -r.amount0 };
  } catch {
    return { input: 0n, output: 0n };
  }
}

describe('V3 swap loop vs the real UniswapV3Pool, QuoterV2 and SwapRouter (differential, property-based)', () => {
  let h: Harness;
  let pools: Prepared[];
  const stats = {
    runs: 0, cases: 0, exactIn: 0, exactOut: 0, rejected: 0, limited: 0, partial: 0, crossings: 0, maxCrossings: 0, tenPlus: 0, steps: 0, maxSteps: 0,
    /** Compared cases per direction, of at most 1000 wei, and of at least the whole pool's amount. */
    zeroForOne: 0, oneForZero: 0, tiny: 0, wholePool: 0,
  };

  beforeAll(async () => {
    console.log(`V3 differential: seed ${SEED} (set TEST_SEED=${SEED} to replay), ${RUNS} runs per property`);
    const random = randomV3Pools(SEED, POOLS);
    h = await startHarness({ format: 'orion.pools/v1', chainId: 1, block: null, pools: random }, (d) => [d.deployment.swapRouter]);
    pools = h.local.pools.map((p) => {
      const snapshot = p as V3PoolSnapshot;
      const model = new V3Pool(snapshot);
      const [a, b] = [whole(model, true), whole(model, false)];
      return { snapshot, model, maxIn: [a.input, b.input], maxOut: [a.output, b.output] };
    });
  });
  afterAll(async () => {
    console.log(`V3 differential stats (seed ${SEED}): ${JSON.stringify(stats)}`);
    await h?.devnet.stop();
  });

  async function runCase(c: Case, exactIn: boolean): Promise<void> {
    const p = pools[c.pool]!;
    const dir = c.zeroForOne ? 0 : 1;
    const amount = amountOf(c, exactIn ? p.maxIn[dir] : p.maxOut[dir]);
    const limit = limitOf(c, p.model);
    const [tokenIn, tokenOut] = (c.zeroForOne ? [p.snapshot.token0.address, p.snapshot.token1.address] : [p.snapshot.token1.address, p.snapshot.token0.address]) as [Address, Address];
    stats.runs++;
    let ours: V3SwapResult | undefined;
    try {
      ours = swap(p.model, c.zeroForOne, exactIn ? amount : -amount, limit);
    } catch {
      ours = undefined;
    }
    const params = { tokenIn, tokenOut, fee: p.snapshot.fee, sqrtPriceLimitX96: limit ?? 0n };
    // The quote runs before the swap, on the latest state: anvil answered calls pinned to the
    // start block with state of blocks a revert had thrown away.
    const quoted = await traderCall<readonly [bigint, bigint, number, bigint]>(
      h, h.devnet.deployment.quoterV2 as Address, quoterAbi as Abi,
      exactIn ? 'quoteExactInputSingle' : 'quoteExactOutputSingle',
      [exactIn ? { ...params, amountIn: amount } : { ...params, amount }],
    );
    const data = exactIn
      ? encodeFunctionData({ abi: routerAbi, functionName: 'exactInputSingle', args: [{ ...params, recipient: h.trader, deadline: maxUint256, amountIn: amount, amountOutMinimum: 0n }] })
      : encodeFunctionData({ abi: routerAbi, functionName: 'exactOutputSingle', args: [{ ...params, recipient: h.trader, deadline: maxUint256, amountOut: amount, amountInMaximum: maxUint256 }] });
    const swapped = await traderTx(h, h.devnet.deployment.swapRouter as Address, data);
    try {
      const amountIn = ours === undefined ? 0n : c.zeroForOne ? ours.amount0 : ours.amount1;
      const amountOut = ours === undefined ? 0n : -(c.zeroForOne ? ours.amount1 : ours.amount0);
      const partial = !exactIn && limit === undefined && amountOut < amount;
      // The pool, Quoter and router reject: an AS/SPL revert, a swap that takes no input, an exact output not filled.
      const rejected = ours === undefined || (amountIn <= 0n && amountOut <= 0n) || partial;
      const where = `pool #${c.pool} (${p.snapshot.fee}/${p.snapshot.tickSpacing}, tick ${p.model.tick}) ${c.zeroForOne ? '0->1' : '1->0'} ${exactIn ? 'exact in' : 'exact out'} ${amount} limit ${limit}`;
      if (rejected) {
        expect(quoted, `Quoter must revert: ${where}`).toBeUndefined();
        expect(swapped, `swap must revert: ${where}`).toBe(false);
        stats.rejected++;
        return;
      }
      const r = ours as V3SwapResult;
      expect(quoted, `Quoter reverted (${h.lastRevert}): ${where}`).toBeDefined();
      expect(quoted![0], `Quoter amount: ${where}`).toBe(exactIn ? amountOut : amountIn);
      expect(quoted![1], `Quoter sqrtPriceX96After: ${where}`).toBe(r.sqrtPriceX96);
      expect(swapped, `swap reverted: ${where}`).toBe(true);
      const [balIn, balOut] = (await traderBalances(h, [tokenIn, tokenOut])) as [bigint, bigint];
      const [slot0, liquidity] = await Promise.all([
        h.devnet.clients.publicClient.readContract({ address: p.snapshot.address as Address, abi: poolAbi, functionName: 'slot0' }) as Promise<readonly [bigint, number]>,
        h.devnet.clients.publicClient.readContract({ address: p.snapshot.address as Address, abi: poolAbi, functionName: 'liquidity' }) as Promise<bigint>,
      ]);
      expect(h.balances.get(tokenIn.toLowerCase())! - balIn, `paid: ${where}`).toBe(amountIn);
      expect(balOut - h.balances.get(tokenOut.toLowerCase())!, `received: ${where}`).toBe(amountOut);
      expect([slot0[0], slot0[1], liquidity], `state after: ${where}`).toEqual([r.sqrtPriceX96, r.tick, r.liquidity]);
      stats.cases++;
      if (exactIn) stats.exactIn++;
      else stats.exactOut++;
      if (limit !== undefined) stats.limited++;
      if (c.zeroForOne) stats.zeroForOne++;
      else stats.oneForZero++;
      if (amount <= 1000n) stats.tiny++;
      if (amount >= (exactIn ? p.maxIn[dir] : p.maxOut[dir]) && p.maxIn[dir] > 0n) stats.wholePool++;
      if (exactIn && amountIn < amount) stats.partial++;
      stats.crossings += r.initializedTicksCrossed;
      stats.maxCrossings = Math.max(stats.maxCrossings, r.initializedTicksCrossed);
      if (r.initializedTicksCrossed >= 10) stats.tenPlus++;
      stats.steps += r.steps;
      stats.maxSteps = Math.max(stats.maxSteps, r.steps);
    } finally {
      await resetHarness(h);
    }
  }

  it(`exact input: ${RUNS} random swaps equal QuoterV2 and the real swap to the wei`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, (c) => runCase(c, true)), { numRuns: RUNS, seed: SEED, endOnFailure: true, ...REPLAY });
  }, 1_800_000);

  it(`exact output: ${RUNS} random swaps equal QuoterV2 and the real swap to the wei`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, (c) => runCase(c, false)), { numRuns: RUNS, seed: SEED + 1, endOnFailure: true, ...REPLAY });
  }, 1_800_000);

  // The generator must keep producing the cases the properties are about: a change that made
  // most swaps revert, stay inside one tick range or lose their price limits would still pass
  // the two properties above. Floors are fractions of the cases run, well under what seeds 1-3
  // gave (compared 85-89 %, >= 10 ticks crossed 5.5-7.5 %, limited 27-29 %, <= 1000 wei 38-40 %,
  // whole pool ~20 %). "compared" is at 75 % and exact output at 65 % of the runs, not 80 % and
  // 70 %: over 500 seeds (the stats recomputed from the model alone) compared had median 87 %,
  // 1st percentile 81.8 % and min 80.2 %, exact output median 81 % and min 73.6 %, both too close
  // to the old floors for a fresh seed per CI run. The other floors held every seed by 22 % or more.
  // Not meaningful when replaying one path.
  it.skipIf(REPLAY.path !== undefined)('coverage: the random cases compare, cross many ticks, hit price limits, both directions, 1 wei to the whole pool', () => {
    const n = stats.runs;
    expect(n, 'both properties ran every case').toBe(2 * RUNS);
    expect(stats.cases, 'compared, not rejected by both sides').toBeGreaterThanOrEqual(0.75 * n);
    expect(stats.exactIn, 'exact input compared').toBeGreaterThanOrEqual(0.7 * RUNS);
    expect(stats.exactOut, 'exact output compared').toBeGreaterThanOrEqual(0.65 * RUNS);
    expect(stats.tenPlus, 'swaps crossing >= 10 initialized ticks').toBeGreaterThanOrEqual(0.03 * n);
    expect(stats.maxCrossings, 'the most initialized ticks one swap crossed').toBeGreaterThanOrEqual(40);
    expect(stats.limited, 'compared swaps with a price limit').toBeGreaterThanOrEqual(0.15 * n);
    expect(stats.partial, 'exact-in swaps stopped short (limit or pool bound)').toBeGreaterThanOrEqual(0.05 * n);
    expect(Math.min(stats.zeroForOne, stats.oneForZero), 'each direction').toBeGreaterThanOrEqual(0.3 * stats.cases);
    expect(stats.tiny, 'amounts of at most 1000 wei').toBeGreaterThanOrEqual(0.15 * n);
    expect(stats.wholePool, 'amounts of at least the whole pool').toBeGreaterThanOrEqual(0.08 * n);
  });
});
