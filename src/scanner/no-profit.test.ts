import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { mayProfitBelowOne, noProfitFrom, realMaximumBelowOne } from './no-profit.ts';
import { composeV2 } from './sizing.ts';

type Hop = { reserveIn: bigint; reserveOut: bigint; fee: number };

/** Exact profit at `x` by the AMM math alone: output − input − flash fee rounded up. */
function profitAt(hops: readonly Hop[], x: bigint, flashFeePips: bigint): bigint {
  let amount = x;
  for (const hop of hops) amount = amount <= 0n ? 0n : getAmountOut(amount, hop.reserveIn, hop.reserveOut, hop.fee);
  return amount - x - (x * flashFeePips + 999_999n) / 1_000_000n;
}

/** The best exact profit over every input that could profit (outputs stay below the last reserve, 4,000 at most). */
function bestProfit(hops: readonly Hop[], flashFeePips: bigint): bigint {
  let best = -1n;
  for (let x = 1n; x <= 4_000n; x++) {
    const p = profitAt(hops, x, flashFeePips);
    if (p > best) best = p;
  }
  return best;
}

/** The real maximum (√A − √(kB))²/C in floats, from its own formula. */
function realMaximum(hops: readonly Hop[], flashFeePips: bigint): number {
  let a = 1;
  let b = 1;
  let c = 0;
  for (const hop of hops) {
    const g = 1e6 - hop.fee;
    c = 1e6 * Number(hop.reserveIn) * c + a * g;
    a *= g * Number(hop.reserveOut);
    b *= 1e6 * Number(hop.reserveIn);
  }
  const k = 1 + Number(flashFeePips) / 1e6;
  return a <= k * b ? 0 : (Math.sqrt(a) - Math.sqrt(k * b)) ** 2 / c;
}

const hopArb = fc.record({ reserveIn: fc.bigInt({ min: 20n, max: 4000n }), reserveOut: fc.bigInt({ min: 2n, max: 4000n }), fee: fc.constantFrom(0, 500, 3000, 10000) });
const cycleArb = fc.tuple(fc.array(hopArb, { minLength: 2, maxLength: 3 }), fc.constantFrom(0n, 500n, 3000n));
const virtual = (hops: readonly Hop[]) => composeV2({ hops: hops.length, fee: hops.map((h) => h.fee), reserveIn: hops.map((h) => h.reserveIn), reserveOut: hops.map((h) => h.reserveOut) });

describe('proofs that a V2 cycle cannot profit (no-profit.ts)', () => {
  it('realMaximumBelowOne: only when no input profits by brute force, and exactly when the real maximum is below 1', () => {
    let below = 0;
    fc.assert(
      fc.property(cycleArb, ([hops, flashFee]) => {
        const pool = virtual(hops);
        const edge = pool.a * 1_000_000n - pool.b * (1_000_000n + flashFee);
        fc.pre(edge > 0n);
        const proved = realMaximumBelowOne(pool, flashFee);
        const real = realMaximum(hops, flashFee);
        if (real < 0.999) expect(proved).toBe(true);
        if (real > 1.001) expect(proved).toBe(false);
        if (!proved) return;
        below++;
        expect(bestProfit(hops, flashFee)).toBeLessThanOrEqual(0n);
        // The float gate lets every proved case through.
        expect(mayProfitBelowOne(pool, flashFee, edge)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(below).toBeGreaterThan(50);
  });

  it('noProfitFrom the least input yielding anything: only when no input profits by brute force', () => {
    let proved = 0;
    fc.assert(
      fc.property(cycleArb, ([hops, flashFee]) => {
        const pool = virtual(hops);
        fc.pre(pool.a * 1_000_000n > pool.b * (1_000_000n + flashFee));
        // The least input with any output, by brute force.
        let start = 1n;
        while (start <= 4_000n && profitAt(hops, start, 0n) + start <= 0n) start++;
        fc.pre(start <= 4_000n);
        if (!noProfitFrom(pool, flashFee, start)) return;
        proved++;
        expect(bestProfit(hops, flashFee)).toBeLessThanOrEqual(0n);
      }),
      { numRuns: 10_000 },
    );
    expect(proved).toBeGreaterThan(20);
  });
});
