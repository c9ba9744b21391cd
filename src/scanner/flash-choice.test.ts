import { describe, expect, it } from 'vitest';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { HexAddress, V3PoolSnapshot } from '../market/snapshot.ts';
import type { FlashSourceOptions } from './flash-source.ts';
import { ROUTE_GAS } from './gas-table.ts';
import { Scanner } from './scanner.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import type { Opportunity } from './types.ts';

// Which flash source a cycle with a V3 first hop borrows from, and the gas it is charged for.
// The market: T0 (the base, and the token gas is paid in, so gas cost = units × price exactly),
// T1 priced 1:1 on a V3 pool and 0.9 T1 per T0 on a V2 pool (T0 -> T1 on V3, back on V2
// gains ~11 %), and an off-route V3 pool T0/T2 at the 0.01 % tier that can lend T0.

const E21 = 10n ** 21n;
const T0 = testToken(0).address;
const PIPS = 1_000_000n;

/** A V3 pool between tokens a < b at price 1 with liquidity over (almost) the whole tick range. */
function v3Pool(id: number, a: number, b: number, fee: number, tickSpacing: number, liquidity: bigint): V3PoolSnapshot {
  const edge = Math.floor(887_272 / tickSpacing) * tickSpacing;
  return {
    protocol: 'uniswap-v3', address: `0x${(0xe000 + id).toString(16).padStart(40, '0')}` as HexAddress, fee, tickSpacing,
    token0: testToken(a), token1: testToken(b), sqrtPriceX96: getSqrtRatioAtTick(0), tick: 0, liquidity,
    ticks: [{ tick: -edge, liquidityNet: liquidity }, { tick: edge, liquidityNet: -liquidity }],
  };
}

const SWAP_POOL = v3Pool(1, 0, 1, 3000, 60, E21);
const LENDER = v3Pool(3, 0, 2, 100, 1, E21);
const MARKET = testSnapshot([SWAP_POOL, testPool(2, 0, 1, E21, (9n * E21) / 10n), LENDER]);

function scanner(flash: FlashSourceOptions, gasPrice: bigint): Scanner {
  const s = new Scanner(MARKET, { bases: [T0], maxHops: 2, gasToken: T0, gasPrice, flash });
  s.scanAll();
  return s;
}

/** The V3-first cycle's opportunity (T0 -> T1 on V3, back on V2), if it nets a profit. */
function v3First(flash: FlashSourceOptions, gasPrice: bigint): Opportunity | undefined {
  return scanner(flash, gasPrice).top(5).find((o) => o.pools[0] === SWAP_POOL.address);
}

/** The exact net profit the opportunity reports, re-derived from its fields and the gas table. */
function expectExactNet(opp: Opportunity, gasPrice: bigint): void {
  const gasUnits = ROUTE_GAS['v3,v2']![opp.flashSource.kind]!;
  expect(opp.gasUnits).toBe(gasUnits);
  expect(opp.gasCost).toBe(gasUnits * gasPrice);
  expect(opp.flashFee).toBe((opp.amountIn * BigInt(opp.flashSource.feePips) + PIPS - 1n) / PIPS);
  expect(opp.netProfit).toBe(opp.amountOut - opp.amountIn - opp.flashFee - opp.gasCost);
}

describe('flash source choice and its gas', () => {
  const GAS_PRICE = 10n ** 9n;

  it('with Balancer disabled, a V3-first cycle pays the gas of the V3 flash or Aave loan it takes', () => {
    const viaBalancer = v3First({}, GAS_PRICE)!;
    expect(viaBalancer.flashSource).toEqual({ kind: 'balancer', pool: null, feePips: 0 });
    expectExactNet(viaBalancer, GAS_PRICE);
    const viaV3 = v3First({ balancerFeePips: null }, GAS_PRICE)!;
    // Aave (5 bp, and more gas) is dominated by the 0.01 % pool.
    expect(viaV3.flashSource).toEqual({ kind: 'v3-flash', pool: LENDER.address, feePips: 100 });
    expectExactNet(viaV3, GAS_PRICE);
    const viaAave = v3First({ balancerFeePips: null, v3Flash: false }, GAS_PRICE)!;
    expect(viaAave.flashSource).toEqual({ kind: 'aave', pool: null, feePips: 500 });
    expectExactNet(viaAave, GAS_PRICE);
    const ownCapital = v3First({ balancerFeePips: null, aaveFeePips: null, v3Flash: false }, GAS_PRICE)!;
    expect(ownCapital.flashSource.kind).toBe('none');
    expectExactNet(ownCapital, GAS_PRICE);
    // The gas differences are charged in full, beyond the fee: ~24k and ~88k gas over Balancer.
    expect(viaV3.gasUnits - viaBalancer.gasUnits).toBeGreaterThan(20_000n);
    expect(viaAave.gasUnits - viaBalancer.gasUnits).toBeGreaterThan(80_000n);
    expect(ownCapital.gasUnits < viaBalancer.gasUnits).toBe(true);
    expect(viaV3.netProfit < viaBalancer.netProfit - viaV3.flashFee).toBe(true);
  });

  it('prefers the cheaper total of fee and gas: the lower fee while gas is cheap, the lower gas once it is dear', () => {
    // Balancer at 2.5 bp against the V3 pool at 1 bp, which costs ~24k more gas.
    const both: FlashSourceOptions = { balancerFeePips: 250, aaveFeePips: null };
    const onlyBalancer: FlashSourceOptions = { ...both, v3Flash: false };
    const onlyV3: FlashSourceOptions = { ...both, balancerFeePips: null };
    const chosen: string[] = [];
    let onlyBalancerNets = 0;
    // Gas prices from 0 up past the point where no source nets a profit (x1.25 steps, so the band
    // where only Balancer's lower gas still nets one is hit whatever the gas table's figures).
    const gasPrices = [0n];
    for (let price = 10n ** 9n; price < 10n ** 14n; price = (price * 5n) / 4n) gasPrices.push(price);
    // And the first price at which the V3 flash no longer nets a profit (Balancer still does,
    // since its lower gas outweighs its higher fee there): derived from the table, not hard-coded.
    const netAtZeroGas = v3First(onlyV3, 0n)!;
    gasPrices.push(netAtZeroGas.netProfit / netAtZeroGas.gasUnits + 1n);
    gasPrices.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const gasPrice of gasPrices) {
      const opp = v3First(both, gasPrice);
      const [viaV3, viaBalancer] = [v3First(onlyV3, gasPrice), v3First(onlyBalancer, gasPrice)];
      const best = viaV3 === undefined || (viaBalancer !== undefined && viaBalancer.netProfit >= viaV3.netProfit) ? viaBalancer : viaV3;
      expect(opp, `gas price ${gasPrice}`).toEqual(best);
      if (viaV3 === undefined && viaBalancer !== undefined) {
        expect(opp?.flashSource.kind).toBe('balancer');
        onlyBalancerNets++;
      }
      if (opp === undefined) continue;
      expectExactNet(opp, gasPrice);
      if (chosen.at(-1) !== opp.flashSource.kind) chosen.push(opp.flashSource.kind);
    }
    // Both sources win somewhere, and the choice flips once, towards less gas as gas gets dearer;
    // at some prices only Balancer's lower gas leaves a profit at all.
    expect(chosen).toEqual(['v3-flash', 'balancer']);
    expect(onlyBalancerNets).toBeGreaterThan(0);
  });

  it('on equal fees takes the source that uses less gas', () => {
    const s = scanner({ balancerFeePips: null, aaveFeePips: 100 }, 0n);
    const opp = s.top(5).find((o) => o.pools[0] === SWAP_POOL.address)!;
    expect(opp.flashSource.kind).toBe('v3-flash');
    expect(s.flash.count[opp.cycle]).toBe(1);
    expect(v3First({ balancerFeePips: 100, aaveFeePips: null }, 0n)!.flashSource.kind).toBe('balancer');
  });

  it('re-chooses when the gas price or the pools move, exactly as a fresh scanner would', () => {
    const flash: FlashSourceOptions = { balancerFeePips: 250, aaveFeePips: null };
    const live = scanner(flash, 0n);
    const kinds = new Set<string>();
    let pool = SWAP_POOL;
    for (const [gasPrice, tick] of [[10n ** 9n, 0], [10n ** 12n, 0], [10n ** 12n, -200], [10n ** 9n, -200], [3n * 10n ** 11n, 300]] as const) {
      live.setGasPrice(gasPrice);
      if (tick !== pool.tick) {
        pool = { ...pool, tick, sqrtPriceX96: getSqrtRatioAtTick(tick) };
        live.setV3State(live.poolIndex(pool.address), { sqrtPriceX96: pool.sqrtPriceX96, tick, liquidity: pool.liquidity });
        live.refresh(live.block);
      }
      const fresh = new Scanner({ ...MARKET, pools: [pool, ...MARKET.pools.slice(1)] }, { bases: [T0], maxHops: 2, gasToken: T0, gasPrice, flash });
      fresh.scanAll();
      const top = live.top(5);
      expect(top).toEqual(fresh.top(5));
      for (const opp of top) kinds.add(opp.flashSource.kind);
    }
    expect([...kinds].sort()).toEqual(['balancer', 'v3-flash']);
  });
});
