import { describe, expect, it } from 'vitest';
import type { FlashSource } from './flash-source.ts';
import { flashLenderOf, withFlashLender, type FlashLenderAddresses } from './flash-lender.ts';
import { opportunityToJson } from './opportunity-format.ts';
import type { Opportunity } from './types.ts';

const address = (byte: string) => `0x${byte.repeat(20)}` as const;
const [POOL_A, POOL_B, OFF_ROUTE, VAULT, AAVE] = [address('aa'), address('bb'), address('cc'), address('ba'), address('ae')];
const CONFIGURED: FlashLenderAddresses = { balancerVault: VAULT, aavePool: AAVE };
const NONE: FlashLenderAddresses = { balancerVault: null, aavePool: null };

function opportunity(flashSource: FlashSource): Opportunity {
  return {
    cycle: 3, block: 12n, pools: [POOL_A, POOL_B], protocols: ['uniswap-v2', 'uniswap-v3'], fees: [3000, 500], tokens: [address('01'), address('02'), address('01')], amounts: [1000n, 2000n, 1010n],
    amountIn: 1000n, amountOut: 1010n, profit: 10n, flashSource, flashFee: 1n, gasUnits: 150_000n, gasCost: 2n, netProfit: 7n,
  };
}

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

describe('opportunityToJson', () => {
  it('shows the flash source with its kind, lender address and fee, amounts as decimal strings', () => {
    const json = opportunityToJson(withFlashLender(opportunity({ kind: 'aave', pool: null, feePips: 500 }), CONFIGURED));
    expect(json).toMatchObject({
      block: '12', amountIn: '1000', amounts: ['1000', '2000', '1010'], flashFee: '1', netProfit: '7',
      flashSource: { kind: 'aave', lender: AAVE, feePips: 500 },
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
