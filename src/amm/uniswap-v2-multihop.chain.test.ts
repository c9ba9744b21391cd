import fc from 'fast-check';
import { encodeFunctionData, maxUint256, type Abi, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import type { V2PoolSnapshot } from '../market/snapshot.ts';
import { randomV2Chains } from './testing/random-pools.ts';
import { resetHarness, startHarness, traderBalances, traderCall, traderTx, type Harness } from './testing/devnet-harness.ts';
import { getAmountsIn, getAmountsOut, type V2Hop } from './uniswap-v2.ts';
import { testSeed } from '../../test/test-seed.ts';

/**
 * Differential property test of the V2 multi-hop math (getAmountsOut / getAmountsIn) against
 * the real Router02 on a local chain: routes of 2 and 3 pairs, both ways along random chains
 * of pairs. Our amounts must equal the router's view functions, and a real
 * swapExactTokensForTokens / swapTokensForExactTokens must move the trader's balances by
 * exactly our first and last amounts (and leave every middle token untouched); a route we
 * reject (or the router cannot compute) must revert.
 */

const SEED = testSeed();
const RUNS = Number(process.env.ORION_AMM_MULTIHOP_RUNS ?? 150);
const CHAINS = 6;
const HOPS = 3;
const MAX_UINT112 = (1n << 112n) - 1n;
const routerAbi = uniswapArtifact('UniswapV2Router02').abi;

interface Case {
  chain: number;
  hops: 2 | 3;
  start: number;
  reverse: boolean;
  amountKind: 'one' | 'whole' | 'random';
  bits: number;
  mantissa: bigint;
}

const caseArb = fc.record({
  chain: fc.nat(CHAINS - 1),
  hops: fc.constantFrom<Case['hops']>(2, 3),
  start: fc.nat(1),
  reverse: fc.boolean(),
  amountKind: fc.constantFrom<Case['amountKind']>('one', 'whole', 'random', 'random', 'random', 'random'),
  bits: fc.integer({ min: 1, max: 256 }),
  mantissa: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});

function amountOf(c: Case, whole: bigint): bigint {
  if (c.amountKind === 'one') return 1n;
  if (c.amountKind === 'whole') return whole;
  // Log-uniform from 1 wei to twice the reserve.
  const bits = 1 + (c.bits % (whole.toString(2).length + 1));
  return 1n + (c.mantissa % (1n << BigInt(bits)));
}

describe('V2 multi-hop math vs the real Router02 (differential, property-based)', () => {
  let h: Harness;
  let pairs: V2PoolSnapshot[];
  const stats = { exactIn: 0, exactOut: 0, rejectedIn: 0, rejectedOut: 0, overflowOut: 0, twoHops: 0, threeHops: 0 };

  beforeAll(async () => {
    console.log(`V2 multi-hop differential: seed ${SEED} (set TEST_SEED=${SEED} to replay), ${RUNS} runs per property`);
    h = await startHarness({ format: 'orion.pools/v1', chainId: 1, block: null, pools: randomV2Chains(SEED, CHAINS, HOPS) }, (d) => [d.deployment.v2Router]);
    pairs = h.local.pools as V2PoolSnapshot[];
  });
  afterAll(async () => {
    console.log(`V2 multi-hop differential stats (seed ${SEED}): ${JSON.stringify(stats)}`);
    await h?.devnet.stop();
  });

  /** The token path and our hops (reserves in the swap direction) of a case. */
  function route(c: Case): { path: Address[]; hops: V2Hop[]; where: string } {
    const chain = pairs.slice(c.chain * HOPS, (c.chain + 1) * HOPS).slice(c.hops === 3 ? 0 : c.start, c.hops === 3 ? HOPS : c.start + 2);
    // Pair i of a chain trades tokens i and i+1 (randomV2Chains); the shared token links two pairs.
    const shared = (x: V2PoolSnapshot, y: V2PoolSnapshot): string => ([x.token0.address, x.token1.address].find((t) => t === y.token0.address || t === y.token1.address))!;
    const ordered = c.reverse ? [...chain].reverse() : chain;
    const other = (p: V2PoolSnapshot, t: string): string => (p.token0.address === t ? p.token1.address : p.token0.address);
    const path = [other(ordered[0]!, shared(ordered[0]!, ordered[1]!))];
    for (const p of ordered) path.push(other(p, path[path.length - 1]!));
    const hops = ordered.map((p, i) => (p.token0.address === path[i]
      ? { reserveIn: p.reserve0, reserveOut: p.reserve1, feePips: 3000 }
      : { reserveIn: p.reserve1, reserveOut: p.reserve0, feePips: 3000 }));
    const where = `chain #${c.chain} ${ordered.map((p) => p.address.slice(-4)).join('>')} reserves ${hops.map((x) => `${x.reserveIn}/${x.reserveOut}`).join(' ')}`;
    return { path: path as Address[], hops, where };
  }

  /** The trader's balance change of every token on the path (received positive). */
  async function deltas(path: readonly Address[]): Promise<bigint[]> {
    const now = await traderBalances(h, path);
    return now.map((b, i) => b - h.balances.get(path[i]!.toLowerCase())!);
  }

  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };

  it(`exact input: ${RUNS} random 2- and 3-pair routes: getAmountsOut equals the router's, swapExactTokensForTokens to the wei`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const { path, hops, where: at } = route(c);
      const amountIn = amountOf(c, hops[0]!.reserveIn);
      const where = `${at} in ${amountIn}`;
      const ours = attempt(() => getAmountsOut(amountIn, hops));
      const theirs = await traderCall<readonly bigint[]>(h, h.devnet.deployment.v2Router as Address, routerAbi as Abi, 'getAmountsOut', [amountIn, path]);
      try {
        expect(theirs, `router getAmountsOut: ${where}`).toEqual(ours);
        const data = encodeFunctionData({ abi: routerAbi, functionName: 'swapExactTokensForTokens', args: [amountIn, 0n, path, h.trader, maxUint256] });
        const ok = await traderTx(h, h.devnet.deployment.v2Router as Address, data);
        // A hop with nothing out stops the route: the library refuses a zero input to the next pair, the pair a zero output.
        if (ours === undefined || ours[ours.length - 1] === 0n) {
          expect(ok, `the swap must revert: ${where} -> ${ours?.join(',')}`).toBe(false);
          stats.rejectedIn++;
          return;
        }
        expect(ok, `swap: ${where} -> ${ours.join(',')}`).toBe(true);
        expect(await deltas(path), `balance changes: ${where}`).toEqual(path.map((_, i) => (i === 0 ? -amountIn : i === path.length - 1 ? ours[i]! : 0n)));
        stats.exactIn++;
        if (c.hops === 2) stats.twoHops++;
        else stats.threeHops++;
      } finally {
        await resetHarness(h);
      }
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
  }, 600_000);

  it(`exact output: ${RUNS} random 2- and 3-pair routes: getAmountsIn equals the router's, swapTokensForExactTokens to the wei`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const { path, hops, where: at } = route(c);
      const amountOut = amountOf(c, hops[hops.length - 1]!.reserveOut);
      const where = `${at} out ${amountOut}`;
      let ours = attempt(() => getAmountsIn(amountOut, hops));
      // The library multiplies reserveIn * amountOut * 1000 in checked uint256: beyond it the router reverts.
      if (ours?.some((_, i) => i < hops.length && hops[i]!.reserveIn * ours![i + 1]! * 1000n >= 1n << 256n)) ours = undefined;
      const theirs = await traderCall<readonly bigint[]>(h, h.devnet.deployment.v2Router as Address, routerAbi as Abi, 'getAmountsIn', [amountOut, path]);
      try {
        expect(theirs, `router getAmountsIn: ${where}`).toEqual(ours);
        const data = encodeFunctionData({ abi: routerAbi, functionName: 'swapTokensForExactTokens', args: [amountOut, maxUint256, path, h.trader, maxUint256] });
        const ok = await traderTx(h, h.devnet.deployment.v2Router as Address, data);
        if (ours === undefined) {
          expect(ok, `the swap must revert: ${where}`).toBe(false);
          stats.rejectedOut++;
          return;
        }
        // The pairs keep reserves in uint112: a route whose input would overflow one reverts ('OVERFLOW').
        if (ours.some((a, i) => i < hops.length && hops[i]!.reserveIn + a > MAX_UINT112)) {
          expect(ok, `the swap must revert (uint112 reserve overflow): ${where} <- ${ours.join(',')}`).toBe(false);
          stats.overflowOut++;
          return;
        }
        expect(ok, `swap: ${where} <- ${ours.join(',')}`).toBe(true);
        expect(await deltas(path), `balance changes: ${where}`).toEqual(path.map((_, i) => (i === 0 ? -ours[0]! : i === path.length - 1 ? amountOut : 0n)));
        stats.exactOut++;
        if (c.hops === 2) stats.twoHops++;
        else stats.threeHops++;
      } finally {
        await resetHarness(h);
      }
    }), { numRuns: RUNS, seed: SEED + 1, endOnFailure: true });
  }, 600_000);

  // Most cases must swap for real over both route lengths, or the properties above prove little.
  it('coverage: most routes swap for real, 2 and 3 pairs, and some are rejected', () => {
    expect(stats.exactIn + stats.rejectedIn, 'exact-input cases run').toBe(RUNS);
    expect(stats.exactOut + stats.rejectedOut + stats.overflowOut, 'exact-output cases run').toBe(RUNS);
    expect(stats.exactIn, 'exact-input routes swapped').toBeGreaterThanOrEqual(0.3 * RUNS);
    expect(stats.exactOut, 'exact-output routes swapped').toBeGreaterThanOrEqual(0.5 * RUNS);
    expect(Math.min(stats.twoHops, stats.threeHops), 'each route length swapped').toBeGreaterThanOrEqual(0.25 * (stats.exactIn + stats.exactOut));
    expect(stats.rejectedIn + stats.rejectedOut, 'routes rejected by both sides').toBeGreaterThan(0);
  });
});
