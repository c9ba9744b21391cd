import { describe, expect, it } from 'vitest';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { ROUTE_GAS, TICK_CROSS_GAS } from './gas-table.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import { swapModel, v3PoolOfPositions, type TestPosition } from './test-positions.ts';

// A V3-first cycle (T0 -> T1 on V3, back on a V2 pool pricing T1 ~11 % dearer) whose V3 pool
// has a dense tick map, so the sized swap crosses many initialized ticks: each costs gas the
// gas table (measured on swaps crossing none) does not hold.

const E18 = 10n ** 18n;
const E21 = 10n ** 21n;
const GAS_PRICE = 10n ** 9n;
const EDGE = Math.floor(887_272 / 10) * 10;
/** Full-range liquidity plus a thin position on every 10-tick range within ±3,000 ticks (alternating, so no two nets cancel). */
const DENSE: TestPosition[] = [{ lower: -EDGE, upper: EDGE, liquidity: E21 }];
for (let t = -3000; t < 3000; t += 10) DENSE.push({ lower: t, upper: t + 10, liquidity: (t / 10) % 2 === 0 ? E18 : 2n * E18 });
const SWAP_POOL = v3PoolOfPositions(1, 0, 1, 500, 10, DENSE);
const MARKET = testSnapshot([SWAP_POOL, testPool(2, 0, 1, E21, (9n * E21) / 10n)]);

describe('gas of the ticks a V3 hop crosses', () => {
  it('charges TICK_CROSS_GAS per initialized tick the sized swap crosses (counted by the whole swap loop), in gas units, gas cost and net profit', () => {
    const s = new Scanner(MARKET, { bases: [testToken(0).address], maxHops: 2, gasToken: testToken(0).address, gasPrice: GAS_PRICE });
    s.scanAll();
    const opp = s.top(5).find((o) => o.pools[0] === SWAP_POOL.address)!;
    const crossed = swap(swapModel(SWAP_POOL), true, opp.amountIn).initializedTicksCrossed;
    expect(crossed).toBeGreaterThan(10);
    const gasUnits = ROUTE_GAS['v3,v2']!.balancer! + BigInt(crossed) * TICK_CROSS_GAS;
    expect(opp.gasUnits).toBe(gasUnits);
    expect(opp.gasCost).toBe(gasUnits * GAS_PRICE);
    expect(opp.netProfit).toBe(opp.amountOut - opp.amountIn - opp.flashFee - opp.gasCost);
  });
});
