import fc from 'fast-check';
import { encodeFunctionData, erc20Abi, maxUint256, type Abi, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import type { V2PoolSnapshot } from '../market/snapshot.ts';
import { randomV2Pools } from './testing/random-pools.ts';
import { resetHarness, startHarness, traderBalances, traderCall, traderTx, type Harness } from './testing/devnet-harness.ts';
import { getAmountIn, getAmountOut } from './uniswap-v2.ts';
import { testSeed } from '../../test/test-seed.ts';

/**
 * Differential property test of the V2 math against the real UniswapV2Pair and Router02 on a
 * local chain, over 24 random pairs with reserves from 1e3 to 2^100. Exact input goes straight
 * to the pair: our output is accepted and one wei more fails the K check (so it is the exact
 * maximum), and the balances move by exactly our amounts. Exact output goes through the router:
 * the trader pays exactly our getAmountIn; an output we reject reverts.
 */

const SEED = testSeed();
const RUNS = Number(process.env.ORION_AMM_RUNS ?? 500);
const PAIRS = 24;
const MAX_UINT112 = (1n << 112n) - 1n;
const pairAbi = uniswapArtifact('UniswapV2Pair').abi;
const routerAbi = uniswapArtifact('UniswapV2Router02').abi;

interface Case {
  pair: number;
  zeroIn: boolean;
  amountKind: 'one' | 'whole' | 'whole-1' | 'random';
  bits: number;
  mantissa: bigint;
}

const caseArb = fc.record({
  pair: fc.nat(PAIRS - 1),
  zeroIn: fc.boolean(),
  amountKind: fc.constantFrom<Case['amountKind']>('one', 'whole', 'whole-1', 'random', 'random', 'random', 'random'),
  bits: fc.integer({ min: 1, max: 256 }),
  mantissa: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});

function amountOf(c: Case, whole: bigint): bigint {
  switch (c.amountKind) {
    case 'one': return 1n;
    case 'whole': return whole;
    case 'whole-1': return whole > 1n ? whole - 1n : 1n;
    default: {
      // Log-uniform from 1 wei to twice the reserve.
      const bits = 1 + (c.bits % (whole.toString(2).length + 1));
      return 1n + (c.mantissa % (1n << BigInt(bits)));
    }
  }
}

describe('V2 math vs the real UniswapV2Pair and Router02 (differential, property-based)', () => {
  let h: Harness;
  let pairs: V2PoolSnapshot[];
  const stats = {
    exactIn: 0, exactInZeroOut: 0, exactOut: 0, rejected: 0, overflowSkipped: 0,
    /** Swaps made, per direction; of at most 1000 wei; of at least the whole reserve in (exact in) or half the reserve out (exact out). */
    zeroIn: 0, oneIn: 0, tiny: 0, large: 0,
  };
  const span = (zeroIn: boolean, amount: bigint, large: boolean): void => {
    if (zeroIn) stats.zeroIn++;
    else stats.oneIn++;
    if (amount <= 1000n) stats.tiny++;
    if (large) stats.large++;
  };

  beforeAll(async () => {
    console.log(`V2 differential: seed ${SEED} (set TEST_SEED=${SEED} to replay), ${RUNS} runs per property`);
    h = await startHarness({ format: 'orion.pools/v1', chainId: 1, block: null, pools: randomV2Pools(SEED, PAIRS) }, (d) => [d.deployment.v2Router]);
    pairs = h.local.pools as V2PoolSnapshot[];
  });
  afterAll(async () => {
    console.log(`V2 differential stats (seed ${SEED}): ${JSON.stringify(stats)}`);
    await h?.devnet.stop();
  });

  const sides = (p: V2PoolSnapshot, zeroIn: boolean) => (zeroIn
    ? { tokenIn: p.token0.address as Address, tokenOut: p.token1.address as Address, reserveIn: p.reserve0, reserveOut: p.reserve1 }
    : { tokenIn: p.token1.address as Address, tokenOut: p.token0.address as Address, reserveIn: p.reserve1, reserveOut: p.reserve0 });

  it(`exact input: ${RUNS} random swaps on the pair: our output is the largest the pair accepts, balances to the wei`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const p = pairs[c.pair]!;
      const { tokenIn, tokenOut, reserveIn, reserveOut } = sides(p, c.zeroIn);
      let amountIn = amountOf(c, reserveIn);
      // The pair caps reserves at uint112.
      if (reserveIn + amountIn > MAX_UINT112) amountIn = MAX_UINT112 - reserveIn;
      const out = getAmountOut(amountIn, reserveIn, reserveOut, 3000);
      const where = `pair #${c.pair} ${c.zeroIn ? '0->1' : '1->0'} in ${amountIn} reserves ${reserveIn}/${reserveOut} -> ${out}`;
      const outs = (x: bigint): readonly [bigint, bigint] => (c.zeroIn ? [0n, x] : [x, 0n]);
      try {
        const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [p.address as Address, amountIn] });
        expect(await traderTx(h, tokenIn, transfer), `transfer: ${where}`).toBe(true);
        const tooMuch = await traderCall(h, p.address as Address, pairAbi as Abi, 'swap', [...outs(out + 1n), h.trader, '0x']);
        expect(tooMuch, `one wei more must fail the K check: ${where}`).toBeUndefined();
        stats.exactIn++;
        if (out === 0n) {
          stats.exactInZeroOut++;
          return;
        }
        const swapData = encodeFunctionData({ abi: pairAbi, functionName: 'swap', args: [...outs(out), h.trader, '0x'] });
        expect(await traderTx(h, p.address as Address, swapData, 1), `swap: ${where}`).toBe(true);
        span(c.zeroIn, amountIn, amountIn >= reserveIn);
        const [balIn, balOut] = (await traderBalances(h, [tokenIn, tokenOut])) as [bigint, bigint];
        const reserves = (await h.devnet.clients.publicClient.readContract({ address: p.address as Address, abi: pairAbi, functionName: 'getReserves' })) as readonly [bigint, bigint, number];
        expect(h.balances.get(tokenIn.toLowerCase())! - balIn, `paid: ${where}`).toBe(amountIn);
        expect(balOut - h.balances.get(tokenOut.toLowerCase())!, `received: ${where}`).toBe(out);
        expect(c.zeroIn ? [reserves[0], reserves[1]] : [reserves[1], reserves[0]], `reserves: ${where}`).toEqual([reserveIn + amountIn, reserveOut - out]);
      } finally {
        await resetHarness(h);
      }
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
  }, 1_800_000);

  it(`exact output: ${RUNS} random swaps through Router02: the trader pays exactly our getAmountIn`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const p = pairs[c.pair]!;
      const { tokenIn, tokenOut, reserveIn, reserveOut } = sides(p, c.zeroIn);
      const amountOut = amountOf(c, reserveOut);
      let amountIn: bigint | undefined;
      try {
        amountIn = getAmountIn(amountOut, reserveIn, reserveOut, 3000);
        if (reserveIn + amountIn > MAX_UINT112) {
          stats.overflowSkipped++; // the pair would overflow its uint112 reserves: not a math case
          return;
        }
      } catch {
        amountIn = undefined;
      }
      const where = `pair #${c.pair} ${c.zeroIn ? '0->1' : '1->0'} out ${amountOut} reserves ${reserveIn}/${reserveOut} -> in ${amountIn}`;
      try {
        const data = encodeFunctionData({ abi: routerAbi, functionName: 'swapTokensForExactTokens', args: [amountOut, maxUint256, [tokenIn, tokenOut], h.trader, maxUint256] });
        const ok = await traderTx(h, h.devnet.deployment.v2Router as Address, data);
        if (amountIn === undefined) {
          expect(ok, `router must revert: ${where}`).toBe(false);
          stats.rejected++;
          return;
        }
        expect(ok, `router swap: ${where}`).toBe(true);
        const [balIn, balOut] = (await traderBalances(h, [tokenIn, tokenOut])) as [bigint, bigint];
        expect(h.balances.get(tokenIn.toLowerCase())! - balIn, `paid: ${where}`).toBe(amountIn);
        expect(balOut - h.balances.get(tokenOut.toLowerCase())!, `received: ${where}`).toBe(amountOut);
        stats.exactOut++;
        span(c.zeroIn, amountOut, 2n * amountOut >= reserveOut);
      } finally {
        await resetHarness(h);
      }
    }), { numRuns: RUNS, seed: SEED + 1, endOnFailure: true });
  }, 1_800_000);

  // The generator must keep producing the cases the properties are about: a change that made
  // most cases revert, skip, or give 0 out would still pass the properties above. Floors are
  // fractions of the cases run, well under what seeds 1-3 gave (compared 96 %, swapped 75-78 %,
  // exact outputs rejected 13-18 %, each direction ~50 %, <= 1000 wei 30-37 %, large 12-13 %).
  // "large" is at 6 %, not 8 %: over 5000 seeds (the stats recomputed from the math alone) it had
  // median 11.7 %, 1st percentile 8.7 % and min 7.7 %: under 8 % for 5 seeds (0.1 % of CI runs
  // would have failed). The other floors held for all 5000 seeds, each by at least 9 %.
  it('coverage: most cases swap for real, both directions, from 1 wei to the whole reserve', () => {
    const n = 2 * RUNS;
    const swapped = stats.exactIn - stats.exactInZeroOut + stats.exactOut;
    expect(stats.exactIn + stats.exactOut + stats.rejected + stats.overflowSkipped, 'every case counted').toBe(n);
    // A rejected exact output is compared too (our getAmountIn throws, the router reverts).
    expect(stats.exactIn + stats.exactOut + stats.rejected, 'compared, not skipped').toBeGreaterThanOrEqual(0.85 * n);
    expect(swapped, 'real swaps with a non-zero output').toBeGreaterThanOrEqual(0.6 * n);
    expect(stats.exactOut, 'exact outputs swapped').toBeGreaterThanOrEqual(0.6 * RUNS);
    expect(stats.rejected, 'exact outputs the pair cannot fill, reverting').toBeGreaterThanOrEqual(0.05 * RUNS);
    expect(Math.min(stats.zeroIn, stats.oneIn), 'each direction').toBeGreaterThanOrEqual(0.3 * swapped);
    expect(stats.tiny, 'amounts of at most 1000 wei').toBeGreaterThanOrEqual(0.2 * n);
    expect(stats.large, 'whole reserve in, or half the reserve out').toBeGreaterThanOrEqual(0.06 * n);
  });
});
