import fc from 'fast-check';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { HexAddress, PoolSnapshot, TickEntry, V3PoolSnapshot } from '../market/snapshot.ts';
import { enumerateCycles, type CycleSet } from './cycles.ts';
import { buildPoolTable, type PoolTable } from './pool-table.ts';
import { Route } from './route.ts';
import { testPool, testToken } from './test-market.ts';
import { buildTokenTable } from './tokens.ts';
import { V3Pools } from './v3-pools.ts';

/**
 * Random concentrated-liquidity pools for the scanner's tests: a few positions (ranges with
 * liquidity) summed into a tick map, the price anywhere in the covered span (or beyond it), the
 * in-range liquidity consistent with the map. Real pools in miniature, small enough that a
 * brute-force search can check the sizing, or as deep as real ones.
 */
export interface V3PoolSpec {
  tickSpacing: number;
  fee: number;
  positions: { lower: number; width: number; liquidity: bigint }[];
  /** Current tick, in units of tickSpacing from 0, and the price's position inside it (0..1). */
  tickSteps: number;
  within: number;
}

/** A V3 pool between tokens a and b built from `spec` (id makes the address). */
export function v3PoolFrom(id: number, a: number, b: number, spec: V3PoolSpec, decimals: readonly number[] = []): V3PoolSnapshot {
  const nets = new Map<number, bigint>();
  for (const { lower, width, liquidity } of spec.positions) {
    const lo = lower * spec.tickSpacing;
    const hi = (lower + width) * spec.tickSpacing;
    nets.set(lo, (nets.get(lo) ?? 0n) + liquidity);
    nets.set(hi, (nets.get(hi) ?? 0n) - liquidity);
  }
  const ticks: TickEntry[] = [...nets].filter(([, net]) => net !== 0n).sort(([x], [y]) => x - y).map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
  const tick = spec.tickSteps * spec.tickSpacing + Math.floor(spec.within * spec.tickSpacing);
  const low = getSqrtRatioAtTick(tick);
  const high = getSqrtRatioAtTick(tick + 1);
  const sqrtPriceX96 = low + ((high - low) * BigInt(Math.floor(spec.within * 1e6))) / 1_000_000n;
  const liquidity = ticks.filter((t) => t.tick <= tick).reduce((sum, t) => sum + t.liquidityNet, 0n);
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return {
    protocol: 'uniswap-v3',
    address: `0x${(0xe000 + id).toString(16).padStart(40, '0')}` as HexAddress,
    fee: spec.fee,
    tickSpacing: spec.tickSpacing,
    token0: testToken(lo, decimals[lo] ?? 18),
    token1: testToken(hi, decimals[hi] ?? 18),
    sqrtPriceX96,
    tick,
    liquidity,
    ticks,
  };
}

/** Shape of random pool specs: liquidity per position, how far ranges and price reach (in spacings), the spacings and fees. */
export interface V3SpecRange {
  minLiquidity: bigint;
  maxLiquidity: bigint;
  span?: number;
  spacings?: number[];
  fees?: number[];
}

/** Random pool specs: one to five positions and the price within `span` tick spacings of tick 0. */
export function v3Spec({ minLiquidity, maxLiquidity, span = 40, spacings = [1, 10, 60], fees = [100, 500, 3000, 10000] }: V3SpecRange): fc.Arbitrary<V3PoolSpec> {
  return fc.record({
    tickSpacing: fc.constantFrom(...spacings),
    fee: fc.constantFrom(...fees),
    positions: fc.array(
      fc.record({ lower: fc.integer({ min: -span, max: span }), width: fc.integer({ min: 1, max: span }), liquidity: fc.bigInt({ min: minLiquidity, max: maxLiquidity }) }),
      { minLength: 1, maxLength: 5 },
    ),
    tickSteps: fc.integer({ min: -span, max: span }),
    within: fc.double({ min: 0, max: 0.999, noNaN: true }),
  });
}

/** Real price (token1 per token0) of a V3 pool, as a float: for pricing test pools against it. */
export function v3Price(pool: V3PoolSnapshot): number {
  return (Number(pool.sqrtPriceX96) / 2 ** 96) ** 2;
}

/** The scanner's internals over `pools` with base token T0: the cycles, the V3 states and a route evaluator. */
export function routeOver(pools: PoolSnapshot[], maxHops = 3): { table: PoolTable; cycles: CycleSet; v3: V3Pools; route: Route } {
  const tokens = buildTokenTable(pools);
  const table = buildPoolTable(pools, tokens);
  const cycles = enumerateCycles(table, tokens.tokens.length, [tokens.index.get(testToken(0).address)!], maxHops);
  const v3 = new V3Pools(table, pools);
  return { table, cycles, v3, route: new Route(table, cycles, v3) };
}

/** The screen's sum of ln(marginal rate net of fee) over cycle c's hops. */
export function logRateSum(table: PoolTable, cycles: CycleSet, c: number): number {
  let sum = 0;
  for (let h = 0; h < cycles.length[c]!; h++) {
    const slot = c * cycles.stride + h;
    sum += table.logRate[2 * cycles.pools[slot]! + (cycles.zeroForOne[slot] === 1 ? 0 : 1)]!;
  }
  return sum;
}

/** Best integer profit of the loaded route over every input that could profit (independent brute force). */
export function bruteForceBest(route: Route): bigint {
  // No input beyond the most the route can ever pay out profits.
  const limit = route.out(1n << 100n) + 1n;
  let best = 0n;
  for (let x = 1n; x <= limit; x++) {
    const p = route.out(x) - x;
    if (p > best) best = p;
  }
  return best;
}

/**
 * A two-hop (T0/T1 V3 pool `a` and a V2 pool) or three-hop (V3 pools `a` T0/T1 and `b` T1/T2,
 * closed by a V2 pool T2/T0) market, the V2 pool priced `permille`/1000 of the V3 prices, so
 * the cycles through it are near break-even: profitable one way or the other about as often.
 */
export function closedMarket(threeHop: boolean, a: V3PoolSnapshot, b: V3PoolSnapshot, reserve: bigint, permille: number): PoolSnapshot[] {
  const scaled = (factor: number): bigint => BigInt(Math.max(1, Math.floor(Number(reserve) * factor)));
  return threeHop
    ? [a, b, testPool(3, 2, 0, reserve, scaled((v3Price(a) * v3Price(b) * permille) / 1000))]
    : [a, testPool(3, 0, 1, reserve, scaled((v3Price(a) * permille) / 1000))];
}
