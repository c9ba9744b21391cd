import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { AmmError } from './errors.ts';
import { FEE_DENOMINATOR, feeFactor, getAmountIn, getAmountOut, getAmountOutScaled, getAmountsIn, getAmountsOut, getFlashRepayAmount, leastAmountIn, leastAmountInScaled } from './uniswap-v2.ts';

const vectorsPath = sharedData('vectors/uniswap-v2-getAmountOut.json');

interface Vectors {
  getAmountOut: { amountIn: string; reserveIn: string; reserveOut: string; expectedOut: string }[];
  optimistic_same_token_flash_repay: { amountOut: string; requiredIn: string }[];
}

describe.skipIf(!vectorsPath)('Uniswap V2 published vectors', () => {
  // The body runs even when skipped (vitest collects it): without the file there is nothing to read.
  const vectors: Vectors = vectorsPath === undefined
    ? { getAmountOut: [], optimistic_same_token_flash_repay: [] }
    : (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vectors);

  it.each(vectors.getAmountOut)('getAmountOut($amountIn, $reserveIn, $reserveOut)', (v) => {
    expect(getAmountOut(BigInt(v.amountIn), BigInt(v.reserveIn), BigInt(v.reserveOut))).toBe(BigInt(v.expectedOut));
  });

  it.each(vectors.optimistic_same_token_flash_repay)('flash repay of $amountOut', (v) => {
    expect(getFlashRepayAmount(BigInt(v.amountOut))).toBe(BigInt(v.requiredIn));
  });
});

const reserve = fc.bigInt({ min: 1000n, max: (1n << 112n) - 1n });
const fee = fc.constantFrom(0, 100, 2500, 3000, 10000);

describe('Uniswap V2 math', () => {
  it('rejects what the library rejects', () => {
    expect(() => getAmountOut(0n, 1n, 1n)).toThrow(AmmError);
    expect(() => getAmountOut(1n, 0n, 1n)).toThrow(/reserves must be positive/);
    expect(() => getAmountIn(10n, 100n, 10n)).toThrow(/not below the output reserve/);
    expect(() => getAmountOut(1n, 1n, 1n, 1_000_000)).toThrow(/fee must be/);
  });

  it('matches the 1000-based library formula for 0.30 % and the 10000-based one for 0.25 %', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 100n }), reserve, reserve, (a, rIn, rOut) => {
        expect(getAmountOut(a, rIn, rOut, 3000)).toBe((a * 997n * rOut) / (rIn * 1000n + a * 997n));
        expect(getAmountOut(a, rIn, rOut, 2500)).toBe((a * 9975n * rOut) / (rIn * 10000n + a * 9975n));
        if (a < rOut) {
          expect(getAmountIn(a, rIn, rOut, 3000)).toBe((rIn * a * 1000n) / ((rOut - a) * 997n) + 1n);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('getAmountOutScaled and leastAmountInScaled, with the pair\'s constants computed once, answer what getAmountOut and leastAmountIn do and fail as they do', () => {
    const quoteOrError = (quote: () => bigint): bigint | string => {
      try {
        return quote();
      } catch (error) {
        return (error as Error).message;
      }
    };
    fc.assert(
      fc.property(fc.bigInt({ min: -2n, max: 1n << 120n }), fc.bigInt({ min: -1n, max: 1n << 112n }), fc.bigInt({ min: -1n, max: 1n << 112n }), fee, (a, rIn, rOut, f) => {
        expect(quoteOrError(() => getAmountOutScaled(a, rIn * FEE_DENOMINATOR, rOut, feeFactor(f)))).toEqual(quoteOrError(() => getAmountOut(a, rIn, rOut, f)));
        // An output the pair can pay too (below its reserve), not only the ones it refuses.
        for (const out of [a, rOut > 1n && a > 0n ? 1n + (a % (rOut - 1n)) : a]) {
          expect(quoteOrError(() => leastAmountInScaled(out, rIn * FEE_DENOMINATOR, rOut, feeFactor(f)))).toEqual(quoteOrError(() => leastAmountIn(out, rIn, rOut, f)));
        }
      }),
      { numRuns: 3000 },
    );
    expect(getAmountOutScaled(10n ** 18n, 10n ** 24n, 10n ** 24n, feeFactor(3000))).toBe((10n ** 18n * 997n * 10n ** 24n) / (10n ** 18n * 1000n + 10n ** 18n * 997n));
  });

  it('getAmountIn buys at least the requested output, and one wei less than floor buys less; leastAmountIn is the least input that buys it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 100n }), reserve, reserve, fee, (out, rIn, rOut, f) => {
        fc.pre(out < rOut);
        const amountIn = getAmountIn(out, rIn, rOut, f);
        expect(getAmountOut(amountIn, rIn, rOut, f)).toBeGreaterThanOrEqual(out);
        if (amountIn > 2n) expect(getAmountOut(amountIn - 2n, rIn, rOut, f)).toBeLessThan(out);
        // Checked against getAmountOut on both sides, and at most the library's floor + 1.
        const least = leastAmountIn(out, rIn, rOut, f);
        expect(getAmountOut(least, rIn, rOut, f)).toBeGreaterThanOrEqual(out);
        if (least > 1n) expect(getAmountOut(least - 1n, rIn, rOut, f)).toBeLessThan(out);
        expect(amountIn - least === 0n || amountIn - least === 1n).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('leastAmountIn on small pools, where divisions come out exact, is the least input of each output getAmountOut pays', () => {
    // Exact divisions (where getAmountIn's floor + 1 overpays): out·Rin·1e6 a multiple of (Rout − out)·g.
    // 1·997·1e6 / ((2 − 1)·997,000) = 1000 exactly: getAmountIn asks 1001, 1000 already buys the wei.
    expect(leastAmountIn(1n, 997n, 2n, 3000)).toBe(1000n);
    expect(getAmountIn(1n, 997n, 2n, 3000)).toBe(1001n);
    expect(getAmountOut(1000n, 997n, 2n, 3000)).toBe(1n);
    // Brute force: the least input of each output is the first input, counting up, that pays it.
    for (const [rIn, rOut, f] of [[1000n, 1000n, 3000], [5n, 10n ** 6n, 0], [10n ** 6n, 7n, 2500], [997n, 2n, 3000]] as const) {
      let want = 1n;
      for (let x = 1n; x <= 3000n && want < rOut && want <= 5000n; x++) {
        for (const out = getAmountOut(x, rIn, rOut, f); want <= out && want < rOut && want <= 5000n; want++) expect(leastAmountIn(want, rIn, rOut, f)).toBe(x);
      }
    }
    expect(() => leastAmountIn(10n, 100n, 10n)).toThrow(/not below the output reserve/);
  });

  it('multi-hop composes hop by hop in both directions', () => {
    const hops = [
      { reserveIn: 10n ** 21n, reserveOut: 2n * 10n ** 21n, feePips: 3000 },
      { reserveIn: 5n * 10n ** 20n, reserveOut: 7n * 10n ** 22n, feePips: 2500 },
    ];
    const out = getAmountsOut(10n ** 18n, hops);
    expect(out[1]).toBe(getAmountOut(10n ** 18n, hops[0]!.reserveIn, hops[0]!.reserveOut, 3000));
    expect(out[2]).toBe(getAmountOut(out[1]!, hops[1]!.reserveIn, hops[1]!.reserveOut, 2500));
    const back = getAmountsIn(out[2]!, hops);
    expect(back[2]).toBe(out[2]);
    expect(back[1]).toBe(getAmountIn(out[2]!, hops[1]!.reserveIn, hops[1]!.reserveOut, 2500));
    expect(back[0]).toBe(getAmountIn(back[1]!, hops[0]!.reserveIn, hops[0]!.reserveOut, 3000));
  });
});
