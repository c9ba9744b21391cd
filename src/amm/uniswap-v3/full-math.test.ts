import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divRoundingUp, MAX_UINT256, mulDiv, mulDivRoundingUp, Q128 } from './full-math.ts';
import { addDelta } from './liquidity-math.ts';

describe('FullMath', () => {
  it('reverts where the contract reverts', () => {
    expect(() => mulDiv(Q128, 5n, 0n)).toThrow(/by zero/);
    expect(() => mulDiv(Q128, Q128, 1n)).toThrow(/overflows uint256/);
    expect(() => mulDivRoundingUp(MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1n)).toThrow(/overflows uint256/);
    expect(mulDiv(MAX_UINT256, MAX_UINT256, MAX_UINT256)).toBe(MAX_UINT256);
  });

  it('rounds down and up around the exact quotient', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT256 }), fc.bigInt({ min: 0n, max: MAX_UINT256 }), fc.bigInt({ min: 1n, max: MAX_UINT256 }), (a, b, d) => {
        fc.pre((a * b) / d <= MAX_UINT256 - 1n);
        const down = mulDiv(a, b, d);
        const up = mulDivRoundingUp(a, b, d);
        expect(down * d <= a * b).toBe(true);
        expect((down + 1n) * d > a * b).toBe(true);
        expect(up - down).toBe((a * b) % d === 0n ? 0n : 1n);
      }),
      { numRuns: 1000 },
    );
    expect(divRoundingUp(7n, 2n)).toBe(4n);
    expect(divRoundingUp(7n, 0n)).toBe(0n);
  });
});

describe('LiquidityMath.addDelta', () => {
  it('adds and reverts LS / LA', () => {
    expect(addDelta(10n, -3n)).toBe(7n);
    expect(() => addDelta(1n, -2n)).toThrow(/underflows/);
    expect(() => addDelta((1n << 128n) - 1n, 1n)).toThrow(/overflows/);
  });
});
