import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNIFICANT_DIGITS, exactTokenAmount, formatTokenAmount, formatWithSymbol, parseTokenAmount } from './token-amount.ts';

/** Significant digits of a plain decimal string ("0.00123" → 3, "120.5" → 4). */
function significantDigits(text: string): number {
  return text.replace('-', '').replace('.', '').replace(/^0+/, '').length;
}

describe('formatTokenAmount: token units at a sensible precision', () => {
  it('rounds to 6 significant digits, keeps the integer part whole, never rounds a nonzero amount to zero', () => {
    expect(formatTokenAmount(1_234_567_891_000_000_000n, 18)).toBe('1.23457');
    expect(formatTokenAmount(40_600_000_000_000_000_000n, 18)).toBe('40.6');
    expect(formatTokenAmount(123_456_789_500_000n, 6)).toBe('123456790');
    expect(formatTokenAmount(1n, 18)).toBe('0.000000000000000001');
    expect(formatTokenAmount(999_999_950_000_000_000n, 18)).toBe('1');
    expect(formatTokenAmount(0n, 18)).toBe('0');
    expect(formatTokenAmount(-2_500_000n, 6)).toBe('-2.5');
    expect(formatTokenAmount(42n, 0)).toBe('42');
  });

  it('is within half a unit of its last digit of the exact amount, with at most 6 significant digits beyond the integer part (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }), (amount, decimals) => {
        const shown = formatTokenAmount(amount, decimals);
        // Read back with the independent exact parser: the error is at most half a step of the last shown digit.
        const back = parseTokenAmount('shown', shown, decimals);
        const fractionShown = shown.includes('.') ? shown.split('.')[1]!.length : 0;
        const maxFraction = Math.min(decimals, fractionShown + 1);
        const halfStep = 10n ** BigInt(decimals - maxFraction) * 5n;
        const error = back > amount ? back - amount : amount - back;
        expect(error <= halfStep).toBe(true);
        if (amount !== 0n) expect(back).not.toBe(0n);
        const wholeDigits = shown.split('.')[0]!.replace(/^0+/, '').length;
        expect(significantDigits(shown)).toBeLessThanOrEqual(Math.max(wholeDigits, DEFAULT_SIGNIFICANT_DIGITS));
      }),
    );
  });
});

describe('exactTokenAmount and parseTokenAmount', () => {
  it('round-trip every amount exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }), (amount, decimals) => {
        expect(parseTokenAmount('x', exactTokenAmount(amount, decimals), decimals)).toBe(amount);
      }),
    );
  });

  it('refuses text that is not an amount, or has more decimals than the token, naming the option', () => {
    expect(() => parseTokenAmount('--amount-in', '1.2345678', 6)).toThrow(/--amount-in has 7 decimals but the token has 6/);
    expect(() => parseTokenAmount('--amount-in', '1e18', 18)).toThrow(/--amount-in must be a non-negative decimal amount/);
    expect(() => parseTokenAmount('--amount-in', '-1', 18)).toThrow(/--amount-in/);
  });
});

describe('formatWithSymbol', () => {
  it('puts the symbol (or the label given) after the amount', () => {
    expect(formatWithSymbol(1_500_000n, { symbol: 'USDC', decimals: 6 })).toBe('1.5 USDC');
    expect(formatWithSymbol(1_500_000n, { symbol: 'USDC', decimals: 6 }, 'USDC(0xa0b8…)')).toBe('1.5 USDC(0xa0b8…)');
  });
});
