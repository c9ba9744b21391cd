import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolSnapshot } from '../market/snapshot.ts';
import { testSeed } from '../../test/test-seed.ts';
import { createRng } from '../util/seeded-random.ts';
import { enumerateCycles } from './cycles.ts';
import { buildPoolTable } from './pool-table.ts';
import { pathGroupBound, pathGroupKey } from './path-bound.ts';
import { pathGroups } from './path-groups.ts';
import type { Ranking } from './ranking.ts';
import { applyMoves, RandomBlocks, type PoolMove } from './random-blocks.ts';
import { Route } from './route.ts';
import { Scanner } from './scanner.ts';
import { sizeV2Route } from './sizing.ts';
import { PiecewiseSizer } from './sizing-piecewise.ts';
import { testPool, testSnapshot, testToken } from './test-market.ts';
import { v3PoolFrom, v3Spec } from './test-v3-pools.ts';
import { buildTokenTable } from './tokens.ts';
import { V3LiquidityBound } from './v3-bound.ts';
import { V3Pools } from './v3-pools.ts';

const TOKENS = 4;
const TOP = 12;

/**
 * Every cycle through T0, sized exactly one by one from the pools as they stand (no ranking, no
 * bound, no grouping), best first as the scanner orders them (its float value, then the cycle's
 * number): what the scanner's top must be, however it gets there.
 */
function exhaustive(pools: readonly PoolSnapshot[], scanner: Scanner): string[] {
  const tokens = buildTokenTable(pools);
  const table = buildPoolTable(pools, tokens);
  const cycles = enumerateCycles(table, tokens.tokens.length, [tokens.index.get(testToken(0).address)!], 3);
  const v3 = pools.some((p) => p.protocol === 'uniswap-v3') ? new V3Pools(table, pools) : undefined;
  const route = new Route(table, cycles, v3);
  const piecewise = new PiecewiseSizer(v3);
  const found: { c: number; profit: bigint; line: string }[] = [];
  for (let c = 0; c < cycles.count; c++) {
    route.load(c);
    // The same flash source the scanner gives this cycle (one candidate: Balancer is free here).
    const flashFeePips = BigInt(scanner.flash.feePips[scanner.flash.slot(c, 0)]!);
    const limits = { flashFeePips, maxIn: (1n << 112n) - 1n };
    const sized = cycles.allV2[c] === 1 ? sizeV2Route(route, limits) : piecewise.size(route, limits);
    if (sized === undefined || sized.profit <= 0n) continue;
    const poolsOf = Array.from({ length: cycles.length[c]! }, (_, h) => table.address[cycles.pools[c * cycles.stride + h]!]);
    found.push({ c, profit: sized.profit, line: `${poolsOf.join('>')} in=${sized.amountIn} profit=${sized.profit}` });
  }
  found.sort((a, b) => Number(b.profit) - Number(a.profit) || a.c - b.c);
  return found.slice(0, TOP).map((f) => f.line);
}

/** The pools as a block's moves leave them (pool i = scanner pool i): what the independent sizing starts from. */
function applyToState(state: PoolSnapshot[], moves: readonly PoolMove[]): void {
  for (const move of moves) {
    const pool = state[move.pool]!;
    if (move.v3 === undefined && pool.protocol === 'uniswap-v2') state[move.pool] = { ...pool, reserve0: move.reserve0, reserve1: move.reserve1 };
    else if (move.v3 !== undefined && pool.protocol === 'uniswap-v3') state[move.pool] = { ...pool, ...move.v3, ticks: pool.ticks };
  }
}

/** Exact profit of every cycle through T0 (cycle numbers as the scanner's), sized one by one from the pools as they stand. */
function exactProfits(pools: readonly PoolSnapshot[], scanner: Scanner): bigint[] {
  const tokens = buildTokenTable(pools);
  const table = buildPoolTable(pools, tokens);
  const cycles = enumerateCycles(table, tokens.tokens.length, [tokens.index.get(testToken(0).address)!], 3);
  expect(cycles.count).toBe(scanner.cycles.count);
  const v3 = pools.some((p) => p.protocol === 'uniswap-v3') ? new V3Pools(table, pools) : undefined;
  const route = new Route(table, cycles, v3);
  const piecewise = new PiecewiseSizer(v3);
  const profits: bigint[] = [];
  for (let c = 0; c < cycles.count; c++) {
    route.load(c);
    const limits = { flashFeePips: BigInt(scanner.flash.feePips[scanner.flash.slot(c, 0)]!), maxIn: (1n << 112n) - 1n };
    const sized = cycles.allV2[c] === 1 ? sizeV2Route(route, limits) : piecewise.size(route, limits);
    profits.push(sized === undefined || sized.profit < 0n ? 0n : sized.profit);
  }
  return profits;
}

function scanned(scanner: Scanner): string[] {
  return scanner.top(TOP).map((o) => `${o.pools.join('>')} in=${o.amountIn} profit=${o.netProfit}`);
}

/** A pair listed on 1–3 venues, prices apart by up to ±3 %. */
const venues = fc.array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.bigInt({ min: 10n ** 17n, max: 10n ** 23n })), { minLength: 1, maxLength: 3 });

/** Pools of every pair among TOKENS tokens on its venues, at the tokens' prices moved by each venue's skew, plus an optional V3 pool. */
function universe(pairs: [number, bigint][][], prices: number[], v3: Parameters<typeof v3PoolFrom>[3] | undefined): PoolSnapshot[] {
  const pools: PoolSnapshot[] = [];
  let pair = 0;
  for (let a = 0; a < TOKENS; a++) {
    for (let b = a + 1; b < TOKENS; b++) {
      for (const [skew, depth] of pairs[pair++]!) {
        // Reserves at the tokens' prices, moved by the venue's skew (basis points).
        const ratio = (prices[a]! / prices[b]!) * (1 + skew / 10_000);
        pools.push(testPool(pools.length, a, b, depth, BigInt(Math.floor(Number(depth) * ratio))));
      }
    }
  }
  if (v3 !== undefined) pools.push(v3PoolFrom(900, 0, 1, v3));
  return pools;
}

const pairsArbitrary = fc.array(venues, { minLength: TOKENS * (TOKENS - 1) / 2, maxLength: TOKENS * (TOKENS - 1) / 2 });
const pricesArbitrary = fc.array(fc.double({ min: 0.2, max: 5, noNaN: true }), { minLength: TOKENS, maxLength: TOKENS });
const v3Arbitrary = fc.option(v3Spec({ minLiquidity: 10n ** 18n, maxLiquidity: 10n ** 22n }), { nil: undefined });

describe('path groups (parallel venues)', () => {
  it('give exactly the top of exhaustive enumeration, to the wei, cold and block after block', () => {
    let grouped = 0;
    let compared = 0;
    fc.assert(
      fc.property(
        pairsArbitrary,
        pricesArbitrary,
        v3Arbitrary,
        fc.integer({ min: 1, max: 1000 }),
        (pairs, prices, v3, seed) => {
          const pools = universe(pairs, prices, v3);
          const snapshot = testSnapshot(pools);
          // Every path of two or more cycles grouped (the default leaves small all-V2 ones alone).
          const scanner = new Scanner(snapshot, { bases: [testToken(0).address], pathGroupMin: { v2: 2, v3: 2 } });
          scanner.scanAll(false);
          grouped += scanner.paths.count;
          expect(scanned(scanner)).toEqual(exhaustive(pools, scanner));
          // Blocks: a few pools move; the scanner follows incrementally, the check starts over.
          const blocks = new RandomBlocks(scanner, createRng(seed), 10n);
          const state = [...pools];
          for (let b = 2; b < 6; b++) {
            const moves = blocks.next(3);
            applyMoves(scanner, moves);
            applyToState(state, moves);
            scanner.refresh(BigInt(b));
            const got = scanned(scanner);
            expect(got).toEqual(exhaustive(state, scanner));
            compared += got.length;
          }
        },
      ),
      { numRuns: 40 },
    );
    // The universes did have parallel venues (groups) and opportunities to compare.
    expect(grouped).toBeGreaterThan(40);
    expect(compared).toBeGreaterThan(200);
  });

  it('a group kept at its best member\'s key after a walk stays above every member\'s exact profit, block after block', () => {
    let settled = 0;
    let checked = 0;
    fc.assert(
      fc.property(pairsArbitrary, pricesArbitrary, v3Arbitrary, fc.integer({ min: 1, max: 1000 }), (pairs, prices, v3, seed) => {
        const pools = universe(pairs, prices, v3);
        const scanner = new Scanner(testSnapshot(pools), { bases: [testToken(0).address], pathGroupMin: { v2: 2, v3: 2 } });
        const ranking = (scanner as unknown as { ranking: Ranking }).ranking;
        const n = scanner.cycles.count;
        scanner.scanAll(false);
        const blocks = new RandomBlocks(scanner, createRng(seed), 10n);
        const state = [...pools];
        for (let b = 1; b < 6; b++) {
          // A short top leaves groups reached but not exhausted: those the walk re-keys by their members.
          const before = Array.from({ length: scanner.paths.count }, (_, g) => (ranking.has(n + g) ? ranking.keyOf(n + g) : 0));
          scanner.top(1 + (b % 3));
          for (let g = 0; g < scanner.paths.count; g++) if ((ranking.has(n + g) ? ranking.keyOf(n + g) : 0) < before[g]!) settled++;
          // Every member sized from scratch on the pools as they stand: none may profit more than its group's key.
          const profits = exactProfits(state, scanner);
          for (let g = 0; g < scanner.paths.count; g++) {
            const key = ranking.has(n + g) ? ranking.keyOf(n + g) : 0;
            for (let m = scanner.paths.start[g]!; m < scanner.paths.start[g + 1]!; m++) {
              expect(key).toBeGreaterThanOrEqual(Number(profits[scanner.paths.members[m]!]!));
              checked++;
            }
          }
          const moves = blocks.next(3);
          applyMoves(scanner, moves);
          applyToState(state, moves);
          scanner.refresh(BigInt(b));
        }
      }),
      { numRuns: 40 },
    );
    // Groups were re-keyed by their members (the case under test), and members compared.
    expect(settled).toBeGreaterThan(20);
    expect(checked).toBeGreaterThan(500);
  });

  it('float group keys are never below the exact group bound, nor below the exact profit of any member (flash fee, caps)', () => {
    const seed = testSeed();
    let checked = 0;
    fc.assert(
      fc.property(
        pairsArbitrary,
        pricesArbitrary,
        v3Arbitrary,
        fc.constantFrom(0, 500, 3000),
        fc.option(fc.bigInt({ min: 1n, max: 10n ** 22n }), { nil: undefined }),
        (pairs, prices, v3Spec, feePips, cap) => {
          const pools = universe(pairs, prices, v3Spec);
          const tokens = buildTokenTable(pools);
          const table = buildPoolTable(pools, tokens);
          const cycles = enumerateCycles(table, tokens.tokens.length, [tokens.index.get(testToken(0).address)!], 3);
          const groups = pathGroups(table, cycles, new Int32Array(cycles.count), { v2: 2, v3: 2 });
          const v3 = pools.some((p) => p.protocol === 'uniswap-v3') ? new V3Pools(table, pools) : undefined;
          const v3Bound = v3 === undefined ? undefined : new V3LiquidityBound(v3);
          const route = new Route(table, cycles, v3);
          const piecewise = new PiecewiseSizer(v3);
          const maxIn = cap ?? (1n << 112n) - 1n;
          const limits = { flashFeePips: BigInt(feePips), maxIn };
          for (let g = 0; g < groups.count; g++) {
            const key = pathGroupKey(groups, g, cycles.stride, table, v3Bound, feePips, Number(maxIn));
            const bound = pathGroupBound(groups, g, cycles.stride, table, v3, v3Bound, BigInt(feePips), maxIn);
            if (key === undefined) continue;
            if (bound !== undefined) expect(key).toBeGreaterThanOrEqual(Number(bound));
            for (let m = groups.start[g]!; m < groups.start[g + 1]!; m++) {
              const c = groups.members[m]!;
              route.load(c);
              const sized = cycles.allV2[c] === 1 ? sizeV2Route(route, limits) : piecewise.size(route, limits);
              expect(key).toBeGreaterThanOrEqual(Number(sized?.profit ?? 0n));
              checked++;
            }
          }
        },
      ),
      { numRuns: 60, seed },
    );
    expect(checked, `members checked (seed ${seed}, TEST_SEED=${seed} replays)`).toBeGreaterThan(200);
  });
});
