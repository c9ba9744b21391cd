import { describe, expect, it } from 'vitest';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { getAmount0Delta } from '../amm/uniswap-v3/sqrt-price-math.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { FlashSourceOptions } from './flash-source.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import { swapModel, v3PoolOfPositions, type TestPosition } from './test-positions.ts';
import type { Opportunity } from './types.ts';

// A V3-first cycle (T0 -> T1 on V3, back on a V2 pool pricing T1 ~11 % dearer), and a V3 pool
// T0/T2 off the route that could lend T0 but holds far less of it than the cycle's optimum: a
// flash loan of the optimum would revert in the pool's transfer ('TF').

const E21 = 10n ** 21n;
const EDGE = Math.floor(887_272 / 60) * 60;
const SWAP_POOL = v3PoolOfPositions(1, 0, 1, 3000, 60, [{ lower: -EDGE, upper: EDGE, liquidity: E21 }]);
/** The lender: a little liquidity at the price, a narrow band of T0 (its token0) above it, T2 below. */
const LENDER_POSITIONS: TestPosition[] = [
  { lower: -60, upper: 60, liquidity: 10n ** 19n },
  { lower: 60, upper: 120, liquidity: E21 },
  { lower: -600, upper: -60, liquidity: 10n * E21 },
];
const LENDER = v3PoolOfPositions(3, 0, 2, 100, 1, LENDER_POSITIONS);
const MARKET = testSnapshot([SWAP_POOL, testPool(2, 0, 1, E21, (9n * E21) / 10n), LENDER]);

function v3First(flash: FlashSourceOptions): Opportunity {
  const s = new Scanner(MARKET, { bases: [testToken(0).address], maxHops: 2, gasToken: testToken(0).address, gasPrice: 10n ** 9n, flash });
  s.scanAll();
  return s.top(5).find((o) => o.pools[0] === SWAP_POOL.address)!;
}

describe('what a V3 lender can lend', () => {
  it('sizes a cycle borrowing from a V3 pool to at most what the pool holds of the token, and takes the best size under it', () => {
    const viaBalancer = v3First({ aaveFeePips: null });
    const viaV3 = v3First({ balancerFeePips: null, aaveFeePips: null });
    expect(viaV3.flashSource).toEqual({ kind: 'v3-flash', pool: LENDER.address, feePips: 100 });
    // What the lender holds of T0, from its positions minted at the price (rounded up, as the
    // pool takes them): its balance. And what a swap to the end of its tick map pays out in T0
    // (the whole swap loop): the size lies between the two.
    const sqrt = getSqrtRatioAtTick;
    const balance = LENDER_POSITIONS.reduce((sum, p) => sum + (p.upper <= 0 ? 0n : getAmount0Delta(sqrt(Math.max(p.lower, 0)), sqrt(p.upper), p.liquidity, true)), 0n);
    const drained = -swap(swapModel(LENDER), false, -(1n << 200n)).amount0;
    expect(drained).toBeGreaterThan(0n);
    expect(drained).toBeLessThanOrEqual(balance);
    expect(viaV3.amountIn).toBeLessThanOrEqual(balance);
    // The uncapped optimum (through Balancer) asks for more than the lender holds: the cap bites,
    // and the best input the lender can serve is at least what a swap could drain from it.
    expect(viaBalancer.amountIn).toBeGreaterThan(balance);
    expect(viaV3.amountIn).toBeGreaterThanOrEqual(drained);
    expect(viaV3.netProfit).toBeGreaterThan(0n);
  });
});
