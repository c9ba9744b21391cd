import { describe, expect, it } from 'vitest';
import { formatPools, formatRoute, formatRouteWithPools } from './route.ts';
import { shortAddress, TokenDirectory } from './symbols.ts';

const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const USDC_FAKE = '0x1111111111111111111111111111111111111111';
const USDC_FAKE_2 = '0x1111222222222222222222222222222222222222';
const WETH = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2';
const POOL = '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc';

const directory = new TokenDirectory([
  { address: WETH, symbol: 'WETH', decimals: 18 },
  { address: USDC, symbol: 'USDC', decimals: 6 },
  { address: USDC_FAKE, symbol: 'usdc', decimals: 18 },
  { address: USDC_FAKE_2, symbol: 'USDC', decimals: 18 },
]);

describe('TokenDirectory: labels that tell tokens apart', () => {
  it('shows a unique symbol alone and a shared one (any case) with the fewest address digits that tell its tokens apart', () => {
    expect(directory.label(WETH)).toBe('WETH');
    expect(directory.label(USDC)).toBe('USDC(0xa0b8…)');
    // The two fakes share their first 4 hex digits: one more digit tells them apart.
    expect(directory.label(USDC_FAKE)).toBe('usdc(0x11111…)');
    expect(directory.label(USDC_FAKE_2)).toBe('USDC(0x11112…)');
    expect(directory.label('0x9999999999999999999999999999999999999999')).toBe('0x9999…');
    expect(directory.label(WETH.toUpperCase().replace('0X', '0x'))).toBe('WETH');
  });

  it('labels a token with a unique symbol by its symbol alone', () => {
    const single = new TokenDirectory([{ address: USDC, symbol: 'USDC', decimals: 6 }]);
    expect(single.label(USDC)).toBe('USDC');
    expect(shortAddress(USDC)).toBe('0xa0b8…');
  });

  it('shows amounts in token units with the label, and an unknown token in base units', () => {
    expect(directory.amount(USDC, 2_500_000n)).toBe('2.5 USDC(0xa0b8…)');
    expect(directory.amount(WETH, 10n ** 18n)).toBe('1 WETH');
    expect(directory.amount('0x9999999999999999999999999999999999999999', 7n)).toBe('7 base units of 0x9999…');
  });

  it('says amounts of a token whose decimals are unknown (listed with decimals 0) in base units, never as whole tokens', () => {
    const ODD = '0x0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d';
    const market = new TokenDirectory([{ address: WETH, symbol: 'WETH', decimals: 18 }, { address: ODD, symbol: 'ODD', decimals: 0 }], [ODD.toUpperCase().replace('0X', '0x')]);
    expect(market.amount(ODD, 15n * 10n ** 17n)).toBe('1500000000000000000 base units of ODD (decimals unknown)');
    expect(market.decimals(ODD)).toBeUndefined();
    expect(market.amount(WETH, 15n * 10n ** 17n)).toBe('1.5 WETH');
    expect(market.decimals(WETH)).toBe(18);
    expect(market.decimals('0x9999999999999999999999999999999999999999')).toBeUndefined();
  });

  it('resolves an address or a unique symbol and refuses an ambiguous or unknown symbol, listing the candidates', () => {
    expect(directory.resolve('weth').address).toBe(WETH);
    expect(directory.resolve(USDC.toUpperCase().replace('0X', '0x')).address).toBe(USDC);
    expect(() => directory.resolve('USDC', '--token-in')).toThrow(new RegExp(`--token-in symbol "USDC" names 3 tokens: .*${USDC}`));
    expect(() => directory.resolve('DAI', '--token-in')).toThrow(/--token-in "DAI" is neither an address nor the symbol/);
  });
});

describe('routes', () => {
  it('joins labels with ">" and shows pools short, or whole when wide', () => {
    expect(formatRoute([WETH, USDC, WETH], directory)).toBe('WETH>USDC(0xa0b8…)>WETH');
    expect(formatPools([POOL, POOL])).toBe('0xb4e1…,0xb4e1…');
    expect(formatPools([POOL], true)).toBe(POOL);
    expect(formatRouteWithPools([WETH, USDC, WETH], [POOL, POOL], directory)).toBe('WETH>USDC(0xa0b8…)>WETH via 0xb4e1…,0xb4e1…');
  });
});
