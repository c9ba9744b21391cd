import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { parseSnapshot, readSnapshotFile, snapshotFileText, snapshotToJson, snapshotTokens, SnapshotError } from './snapshot.ts';

const USDC = { address: '0xA0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6 };
const WETH = { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18 };

function v2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocol: 'uniswap-v2', address: '0xB4e16d0168e52d35cacd2c6185b44281ec28c9dc', fee: 3000,
    token0: USDC, token1: WETH, reserve0: '52034452364125', reserve1: '22864731471058335602880', ...overrides,
  };
}

function v3(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocol: 'uniswap-v3', address: '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640', fee: 500, tickSpacing: 10,
    token0: USDC, token1: WETH, sqrtPriceX96: '1662995104975155420368771254341874', liquidity: '1000',
    tick: 199045, ticks: [[-887270, '1000'], [199040, '500'], [199050, '-500'], [887270, '-1000']], ...overrides,
  };
}

function doc(pools: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 'orion.pools/v1', chainId: 1, block: 18937382, pools, ...overrides };
}

describe('orion.pools/v1 reader', () => {
  it('reads V2 and V3 pools into bigint amounts with lower-case addresses', () => {
    const { snapshot, warnings } = parseSnapshot(doc([v2(), v3({ liquidity: '1500' })]));
    expect(warnings).toEqual([]);
    expect(snapshot.block).toBe(18937382n);
    const [pair, pool] = snapshot.pools;
    expect(pair).toMatchObject({ protocol: 'uniswap-v2', address: '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc', reserve0: 52034452364125n });
    expect(pair?.token0.address).toBe('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48');
    expect(pool).toMatchObject({ protocol: 'uniswap-v3', liquidity: 1500n, tick: 199045 });
    expect(pool?.protocol === 'uniswap-v3' && pool.ticks[1]).toEqual({ tick: 199040, liquidityNet: 500n });
    expect(snapshotTokens(snapshot).map((t) => t.symbol)).toEqual(['USDC', 'WETH']);
  });

  it('writes a file of ASCII only that reads as the same document (snapshotFileText)', () => {
    // Non-ASCII symbols, one beyond the basic plane (two UTF-16 units) and a note.
    const token = (address: string, symbol: string) => ({ address, symbol, decimals: 18 });
    const pools = [v2({ token0: token('0x0000000000000000000000000000000000000001', 'With ☕️'), token1: token('0x0000000000000000000000000000000000000002', '爹🦄é') })];
    const { snapshot } = parseSnapshot(doc(pools, { note: 'naïve — “quoted” \\ "escaped"' }));
    const text = snapshotFileText(snapshot);
    expect([...text].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(snapshotToJson(snapshot))));
    expect(parseSnapshot(JSON.parse(text)).snapshot).toEqual(snapshot);
    expect(snapshot.pools[0]!.token1.symbol).toBe('爹🦄é');
  });

  it('round-trips through its JSON form', () => {
    const { snapshot } = parseSnapshot(doc([v2(), v3({ liquidity: '1500' })], { note: 'n', source: 's' }));
    expect(parseSnapshot(JSON.parse(JSON.stringify(snapshotToJson(snapshot)))).snapshot).toEqual(snapshot);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a wrong format tag', doc([v2()], { format: 'orion.pools/v0' }), /field "format" must be "orion.pools\/v1", got "orion.pools\/v0"/],
    ['a missing field', doc([v2({ reserve1: undefined })]), /pool #0 \(0xB4e16d.*\): field "reserve1" is missing/],
    ['a negative amount', doc([v2({ reserve0: '-5' })]), /pool #0 .*field "reserve0" must be a non-negative integer/],
    ['a non-integer amount', doc([v2({ reserve0: '1.5' })]), /field "reserve0" must be a non-negative integer/],
    ['an amount as a number', doc([v2({ reserve0: 5 })]), /field "reserve0" must be a non-negative integer as a decimal string, got 5/],
    ['a reserve beyond uint112', doc([v2({ reserve0: (1n << 112n).toString() })]), /field "reserve0" exceeds uint112/],
    ['an unknown protocol', doc([v2({ protocol: 'sushiswap-v9' })]), /field "protocol" is unknown: "sushiswap-v9"/],
    ['a tick not aligned to tickSpacing', doc([v3({ ticks: [[-887270, '1000'], [199041, '500'], [887270, '-1500']] })]), /pool #0 .*field "ticks\[1\]" tick 199041 is not aligned to tickSpacing 10/],
    ['unsorted ticks', doc([v3({ ticks: [[199040, '1000'], [-887270, '500'], [887270, '-1500']] })]), /field "ticks\[1\]" tick -887270 is out of order after 199040/],
    ['duplicate ticks', doc([v3({ ticks: [[-887270, '1000'], [-887270, '500'], [887270, '-1500']] })]), /field "ticks\[1\]" tick -887270 is a duplicate/],
    ['a tick map that does not sum to zero', doc([v3({ ticks: [[-887270, '1000'], [887270, '-999']] })]), /field "ticks" liquidityNet must sum to zero/],
    ['liquidity inconsistent with the tick map', doc([v3({ liquidity: '999' })]), /field "liquidity" is 999 but the ticks at or below tick 199045 sum to 1500/],
    ['a bad address', doc([v2({ address: '0x1234' })]), /field "address" must be a 20-byte hex address/],
    ['unsorted tokens', doc([v2({ token0: WETH, token1: USDC })]), /field "token1" must sort after token0/],
    ['a duplicate pool', doc([v2(), v2()]), /pool #1 .*field "address" appears twice/],
    ['a bad decimals', doc([v2({ token0: { ...USDC, decimals: 300 } })]), /token0: field "decimals" must be within \[0, 255\]/],
    ['pools not an array', doc([], { pools: {} }), /field "pools" must be an array/],
  ];
  it.each(bad)('rejects %s, naming the pool and field', (_name, input, message) => {
    expect(() => parseSnapshot(input, 'test.json')).toThrow(SnapshotError);
    expect(() => parseSnapshot(input, 'test.json')).toThrow(message);
  });

  it('skips an unpriced pool and warns about unknown keys', () => {
    const { snapshot, warnings } = parseSnapshot(doc([v2({ reserve0: 'None' }), v3({ liquidity: '1500', extra: 1 })], { extra: true }));
    expect(snapshot.pools).toHaveLength(1);
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/"reserve0" is unknown \("None"\): pool skipped/);
    expect(warnings.join('\n')).toMatch(/unknown key "extra" ignored/);
  });

  it('names an unreadable or non-JSON file', async () => {
    await expect(readSnapshotFile('/nonexistent/x.json')).rejects.toThrow(/\/nonexistent\/x.json: cannot read the snapshot file/);
  });

  const files = ['arbitrum-uniswap-2024-11-01.json', 'base-uniswap-2024-11-01.json', 'optimism-uniswap-2024-11-01.json', 'ethereum-uniswap-v2-2020-10-03.json'];
  for (const file of files) {
    const path = sharedData(`snapshots/${file}`);
    it.skipIf(!path)(`reads the real snapshot ${file}`, async () => {
      const { snapshot } = await readSnapshotFile(path!);
      expect(snapshot.pools.length).toBeGreaterThan(10);
      expect(snapshotTokens(snapshot).length).toBeGreaterThan(5);
    });
  }
});
