import { describe, expect, it } from 'vitest';
import { executionsPaidFor } from './gas-money.ts';

describe('gas money: executions the hot key still pays for', () => {
  it('counts whole executions at the fee cap, rounding down', () => {
    // 1 ETH at 50 gwei × 600k gas = 0.03 ETH each: 33 whole executions (33.33…).
    expect(executionsPaidFor(10n ** 18n, 50n * 10n ** 9n, 600_000n)).toBe(33n);
    expect(executionsPaidFor(3n * 10n ** 16n - 1n, 50n * 10n ** 9n, 600_000n)).toBe(0n);
    expect(executionsPaidFor(3n * 10n ** 16n, 50n * 10n ** 9n, 600_000n)).toBe(1n);
  });
  it('a zero price or gas pays for nothing (no division by zero, no infinite figure)', () => {
    expect(executionsPaidFor(10n ** 18n, 0n, 600_000n)).toBe(0n);
    expect(executionsPaidFor(10n ** 18n, 1n, 0n)).toBe(0n);
  });
});
