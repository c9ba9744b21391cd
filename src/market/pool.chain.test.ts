import type { Abi, Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { startDevnet } from '../devnet/devnet.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { readSnapshotFile, type V3PoolSnapshot } from './snapshot.ts';
import { V3Pool } from './v3-pool.ts';

/**
 * Real snapshots on the real contracts: each snapshot with V3 pools is seeded on a local chain
 * (one chain at a time), and on every V3 pool, both directions, exact in and exact out, amounts
 * from 1 wei to past the whole pool, our quote equals QuoterV2's amount and price after.
 */

const SNAPSHOTS = [
  'snapshots/arbitrum-uniswap-2024-11-01.json',
  'snapshots/base-uniswap-2024-11-01.json',
  'snapshots/optimism-uniswap-2024-11-01.json',
];
const MAX_INT256 = (1n << 255n) - 1n;
const quoterAbi = uniswapArtifact('QuoterV2').abi as Abi;

/** Amounts from 1 wei to beyond what the pool holds in that direction. */
function amountsUpTo(whole: bigint): bigint[] {
  const out = new Set<bigint>([1n, 1000n]);
  for (const d of [1_000_000n, 10_000n, 100n, 10n, 2n]) if (whole / d > 0n) out.add(whole / d);
  out.add(whole);
  out.add(whole + 1n);
  return [...out];
}

describe.each(SNAPSHOTS)('real snapshot %s seeded on the devnet', (file) => {
  const path = sharedData(file);
  it.skipIf(!path)('every V3 pool quotes exactly like QuoterV2', async () => {
    const { snapshot } = await readSnapshotFile(path as string);
    const devnet = await startDevnet({ snapshot });
    try {
      const { publicClient } = devnet.clients;
      const quoter = devnet.deployment.quoterV2 as Address;
      const pools = devnet.seeded.localSnapshot.pools.filter((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3');
      expect(pools.length).toBeGreaterThan(0);
      let compared = 0;
      let rejected = 0;
      let crossings = 0;
      for (const snap of pools) {
        const pool = new V3Pool(snap);
        const checks: Promise<void>[] = [];
        for (const zeroForOne of [true, false]) {
          const [tokenIn, tokenOut] = (zeroForOne ? [snap.token0.address, snap.token1.address] : [snap.token1.address, snap.token0.address]) as [Address, Address];
          const full = swap(pool, zeroForOne, MAX_INT256);
          const whole = { in: zeroForOne ? full.amount0 : full.amount1, out: -(zeroForOne ? full.amount1 : full.amount0) };
          for (const exactIn of [true, false]) {
            for (const amount of amountsUpTo(exactIn ? whole.in : whole.out)) {
              const where = `pool ${snap.address} (${snap.token0.symbol}/${snap.token1.symbol} ${snap.fee}) ${zeroForOne ? '0->1' : '1->0'} ${exactIn ? 'in' : 'out'} ${amount}`;
              const ours = (() => {
                try {
                  return exactIn ? pool.quoteExactIn(tokenIn, amount) : pool.quoteExactOut(tokenIn, amount);
                } catch {
                  return undefined;
                }
              })();
              const params = { tokenIn, tokenOut, fee: snap.fee, sqrtPriceLimitX96: 0n };
              checks.push(publicClient.readContract({
                address: quoter, abi: quoterAbi,
                functionName: exactIn ? 'quoteExactInputSingle' : 'quoteExactOutputSingle',
                args: [exactIn ? { ...params, amountIn: amount } : { ...params, amount }],
              }).then(
                (result) => {
                  const [amountQuoted, sqrtPriceX96After] = result as readonly [bigint, bigint];
                  expect(ours, `ours rejected what QuoterV2 quotes: ${where}`).toBeDefined();
                  // A swap that takes no input is refused by QuoterV2's callback; it answered, so ours took some.
                  expect(amountQuoted, where).toBe(exactIn ? ours!.amountOut : ours!.amountIn);
                  expect(sqrtPriceX96After, where).toBe(ours!.sqrtPriceX96After);
                  compared++;
                  crossings += ours!.initializedTicksCrossed ?? 0;
                },
                (error: unknown) => {
                  if (!(error instanceof Error) || !/revert/i.test(error.message)) throw error;
                  const noInput = ours !== undefined && ours.amountIn === 0n;
                  expect(ours === undefined || noInput, `QuoterV2 reverted but ours quoted: ${where}`).toBe(true);
                  rejected++;
                },
              ));
            }
          }
        }
        await Promise.all(checks);
      }
      console.log(`${file}: ${pools.length} V3 pools, ${compared} quotes equal to QuoterV2, ${rejected} rejected by both, ${crossings} initialized ticks crossed`);
      expect(compared).toBeGreaterThan(pools.length * 10);
    } finally {
      await devnet.stop();
    }
  }, 900_000);
});
