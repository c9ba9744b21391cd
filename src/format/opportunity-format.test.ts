import { describe, expect, it } from 'vitest';
import type { FlashSource } from '../scanner/flash-source.ts';
import { withFlashLender, type FlashLenderAddresses } from '../scanner/flash-lender.ts';
import type { Opportunity } from '../scanner/types.ts';
import { describeOpportunity, opportunityToJson } from './opportunity-format.ts';
import { TokenDirectory } from './symbols.ts';

const address = (byte: string) => `0x${byte.repeat(20)}` as const;
const [POOL_A, POOL_B, VAULT, AAVE] = [address('aa'), address('bb'), address('ba'), address('ae')];
const CONFIGURED: FlashLenderAddresses = { balancerVault: VAULT, aavePool: AAVE };

function opportunity(flashSource: FlashSource): Opportunity {
  return {
    cycle: 3, block: 12n, pools: [POOL_A, POOL_B], protocols: ['uniswap-v2', 'uniswap-v3'], fees: [3000, 500], tokens: [address('01'), address('02'), address('01')], amounts: [1000n, 2000n, 1010n],
    amountIn: 1000n, amountOut: 1010n, profit: 10n, flashSource, flashFee: 1n, gasUnits: 150_000n, gasCost: 2n, netProfit: 7n,
  };
}

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

describe('describeOpportunity', () => {
  it('names the route by symbol and shows amounts in the start token\'s units, telling apart two tokens sharing a symbol', () => {
    const directory = new TokenDirectory([
      { address: address('01'), symbol: 'USDC', decimals: 2 },
      { address: address('02'), symbol: 'USDC', decimals: 6 },
    ]);
    const line = describeOpportunity(opportunity({ kind: 'balancer', pool: null, feePips: 0 }), directory);
    // 1000 base units at 2 decimals = 10 USDC; net 7 = 0.07.
    expect(line).toBe('USDC(0x0101…)>USDC(0x0202…)>USDC(0x0101…), in 10 USDC(0x0101…), net +0.07 USDC(0x0101…)');
  });
});
