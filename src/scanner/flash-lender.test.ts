import { describe, expect, it } from 'vitest';
import { flashLenderOf, type FlashLenderAddresses } from './flash-lender.ts';

const address = (byte: string) => `0x${byte.repeat(20)}` as const;
const [POOL_A, OFF_ROUTE, VAULT, AAVE] = [address('aa'), address('cc'), address('ba'), address('ae')];
const CONFIGURED: FlashLenderAddresses = { balancerVault: VAULT, aavePool: AAVE };
const NONE: FlashLenderAddresses = { balancerVault: null, aavePool: null };

describe('flashLenderOf: the address a flash loan comes from', () => {
  it('is the pool for a V2 flash swap and a V3 flash, the configured contract for Balancer and Aave, none for own capital', () => {
    expect(flashLenderOf({ kind: 'v2-flash-swap', pool: POOL_A, feePips: 0 }, NONE)).toBe(POOL_A);
    expect(flashLenderOf({ kind: 'v3-flash', pool: OFF_ROUTE, feePips: 100 }, NONE)).toBe(OFF_ROUTE);
    expect(flashLenderOf({ kind: 'balancer', pool: null, feePips: 0 }, CONFIGURED)).toBe(VAULT);
    expect(flashLenderOf({ kind: 'aave', pool: null, feePips: 500 }, CONFIGURED)).toBe(AAVE);
    expect(flashLenderOf({ kind: 'none', pool: null, feePips: 0 }, CONFIGURED)).toBeNull();
  });

  it('refuses a Balancer or Aave source when that lender is not configured (the scanner was told it does not exist)', () => {
    expect(() => flashLenderOf({ kind: 'balancer', pool: null, feePips: 0 }, NONE)).toThrow(/no Balancer Vault is configured/);
    expect(() => flashLenderOf({ kind: 'aave', pool: null, feePips: 500 }, NONE)).toThrow(/no Aave Pool is configured/);
  });
});
