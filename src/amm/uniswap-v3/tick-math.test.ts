import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/shared-data.ts';
import { getSqrtRatioAtTick, getTickAtSqrtRatio, getTickAtSqrtRatioFast, MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './tick-math.ts';

const snapPath = sharedData('vectors/uniswap-v3-TickMath.snap');

describe.skipIf(!snapPath)('TickMath published results (Uniswap V3 core test snapshots)', () => {
  const text = readFileSync(snapPath ?? '/dev/null', 'utf8');
  const atTick = [...text.matchAll(/#getSqrtRatioAtTick tick (-?\d+) result 1`\] = `"(\d+)"`/g)];
  const atRatio = [...text.matchAll(/#getTickAtSqrtRatio ratio (\d+) result 1`\] = `(-?\d+)`/g)];

  it('has the cases', () => {
    expect(atTick.length).toBe(28);
    expect(atRatio.length).toBe(13);
  });

  it.each(atTick.map((m) => [Number(m[1]), BigInt(m[2]!)] as const))('getSqrtRatioAtTick(%i)', (tick, expected) => {
    expect(getSqrtRatioAtTick(tick)).toBe(expected);
  });

  it.each(atRatio.map((m) => [BigInt(m[1]!), Number(m[2])] as const))('getTickAtSqrtRatio(%s)', (ratio, expected) => {
    expect(getTickAtSqrtRatio(ratio)).toBe(expected);
    expect(getTickAtSqrtRatioFast(ratio)).toBe(expected);
  });
});

describe('TickMath', () => {
  it('has the contract bounds and rejects beyond them', () => {
    expect(getSqrtRatioAtTick(MIN_TICK)).toBe(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).toBe(MAX_SQRT_RATIO);
    expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).toThrow(/outside/);
    expect(() => getTickAtSqrtRatio(MAX_SQRT_RATIO)).toThrow(/outside/);
    expect(() => getTickAtSqrtRatio(MIN_SQRT_RATIO - 1n)).toThrow(/outside/);
    expect(getTickAtSqrtRatio(MAX_SQRT_RATIO - 1n)).toBe(MAX_TICK - 1);
    for (const p of [MIN_SQRT_RATIO, MIN_SQRT_RATIO + 1n, MAX_SQRT_RATIO - 1n, 1n << 96n, (1n << 96n) - 1n]) {
      expect(getTickAtSqrtRatioFast(p)).toBe(getTickAtSqrtRatio(p));
    }
    expect(() => getTickAtSqrtRatioFast(MAX_SQRT_RATIO)).toThrow(/outside/);
  });

  it('getTickAtSqrtRatio is the greatest tick whose ratio is <= the price', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_TICK, max: MAX_TICK - 1 }), fc.bigInt({ min: 0n, max: 1n << 80n }), (tick, offset) => {
        const low = getSqrtRatioAtTick(tick);
        const high = getSqrtRatioAtTick(tick + 1);
        const price = low + (offset % (high - low));
        expect(getTickAtSqrtRatio(price)).toBe(tick);
        expect(getTickAtSqrtRatioFast(price)).toBe(tick);
      }),
      { numRuns: 3000 },
    );
  });
});
