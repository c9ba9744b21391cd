import { describe, expect, it } from 'vitest';
import type { FlashSource } from '../scanner/flash-source.ts';
import type { Opportunity } from '../scanner/types.ts';
import { describeFlashSource, netColumnName, opportunityTable } from './opportunity-table.ts';
import { TokenDirectory } from './symbols.ts';

const address = (byte: string) => `0x${byte.repeat(20)}` as const;
const WETH = address('0e');
const USDC = address('0c');
const directory = new TokenDirectory([
  { address: WETH, symbol: 'WETH', decimals: 18 },
  { address: USDC, symbol: 'USDC', decimals: 6 },
]);

function opportunity(flashSource: FlashSource, extra: Partial<Pick<Opportunity, 'gasCost' | 'netProfit' | 'profit' | 'flashFee' | 'amountIn' | 'amountOut' | 'amounts' | 'tokens' | 'pools'>> = {}): Opportunity {
  return {
    cycle: 0, block: null, pools: [address('a1'), address('b2')], protocols: ['uniswap-v2', 'uniswap-v2'], fees: [3000, 3000], tokens: [WETH, USDC, WETH], amounts: [10n ** 18n, 3_000_000_000n, 1_020_000_000_000_000_000n],
    amountIn: 10n ** 18n, amountOut: 1_020_000_000_000_000_000n, profit: 20_000_000_000_000_000n, flashSource, flashFee: 0n,
    gasUnits: 231_500n, gasCost: 0n, netProfit: 20_000_000_000_000_000n, ...extra,
  };
}

describe('describeFlashSource', () => {
  it('names each source with its fee as a percentage', () => {
    expect(describeFlashSource(opportunity({ kind: 'v2-flash-swap', pool: address('a1'), feePips: 0 }))).toBe('v2 flash swap');
    expect(describeFlashSource(opportunity({ kind: 'balancer', pool: null, feePips: 0 }))).toBe('balancer');
    expect(describeFlashSource(opportunity({ kind: 'aave', pool: null, feePips: 500 }))).toBe('aave 0.05 %');
    expect(describeFlashSource(opportunity({ kind: 'v3-flash', pool: address('c3'), feePips: 100 }))).toBe('v3 flash 0xc3c3… 0.01 %');
    expect(describeFlashSource(opportunity({ kind: 'none', pool: null, feePips: 0 }))).toBe('own capital');
  });
});

describe('opportunityTable', () => {
  it('says "gross of gas" without a gas price, shows amounts in the start token with its symbol, gas units, short pools', () => {
    const [header, row] = opportunityTable([opportunity({ kind: 'balancer', pool: null, feePips: 0 })], directory, { gasPriced: false });
    expect(header).toContain(netColumnName(false));
    expect(netColumnName(false)).toMatch(/gross of gas/);
    expect(row).toMatch(/^1 +WETH>USDC>WETH +1 WETH +0\.02 WETH +balancer +231500 +0\.02 WETH +0xa1a1…,0xb2b2…$/);
  });

  it('with a gas price: the net column, gas units = cost, the flash fee beside its source, full pools when wide, the note', () => {
    const opp = opportunity({ kind: 'aave', pool: null, feePips: 500 }, { flashFee: 500_000_000_000_000n, gasCost: 4_630_000_000_000_000n, netProfit: 14_870_000_000_000_000n });
    const [header, row] = opportunityTable([opp], directory, { gasPriced: true, wide: true, note: () => 'thin' });
    expect(header).toContain('net profit');
    expect(row).toContain('aave 0.05 % (0.0005 WETH)');
    expect(row).toContain('231500 = 0.00463 WETH');
    expect(row).toContain('0.01487 WETH');
    expect(row).toContain(`${address('a1')},${address('b2')}`);
    expect(row).toMatch(/thin$/);
  });
});
