import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { parsePool, wellFormedV2, type PoolSnapshot } from './snapshot.ts';

// The reader's fast path for well-formed V2 pools (`wellFormedV2`) against the full reader
// (`parsePool`): wherever the fast path answers, it answers what the full reader returns, with
// no warning lost; wherever the full reader refuses, warns or skips, the fast path stands aside.

/** What the full reader makes of `raw`: its pool and warnings, or the error it throws. */
function full(raw: unknown): { pool?: PoolSnapshot | null; warnings: string[]; error?: string } {
  const warnings: string[] = [];
  try {
    return { pool: parsePool(raw, 0, 'test', warnings), warnings };
  } catch (error) {
    return { warnings, error: (error as Error).message };
  }
}

function expectAgrees(raw: unknown): void {
  const fast = wellFormedV2(raw);
  const reference = full(raw);
  if (fast === undefined) return;
  expect(reference.error).toBeUndefined();
  expect(reference.warnings).toEqual([]);
  expect(fast).toEqual(reference.pool);
  expect(Object.keys(fast)).toEqual(Object.keys(reference.pool!));
}

const USDC = { address: '0xA0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6 };
const WETH = { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18 };
const pair = {
  protocol: 'uniswap-v2', address: '0xB4e16d0168e52d35cacd2c6185b44281ec28c9dc', fee: 3000,
  token0: USDC, token1: WETH, reserve0: '52034452364125', reserve1: '22864731471058335602880',
};
const MAX_UINT112 = ((1n << 112n) - 1n).toString();

// Each field replaced by values the format accepts at its edges and values it refuses.
const values: Record<string, unknown[]> = {
  protocol: ['uniswap-v3', 'UNISWAP-V2', '', null, 2],
  address: ['0x1234', '0xB4E16D0168E52D35CACD2C6185B44281EC28C9DC', 'b4e16d0168e52d35cacd2c6185b44281ec28c9dc00', `0x${'g'.repeat(40)}`, 5, null, undefined],
  fee: [0, 999_999, 1_000_000, -1, 2.5, '3000', null, undefined, Number.NaN],
  token0: [WETH, USDC, { ...USDC, decimals: 0 }, { ...USDC, decimals: 255 }, { ...USDC, decimals: 256 }, { ...USDC, decimals: -1 }, { ...USDC, decimals: 1.5 },
    { ...USDC, symbol: 5 }, { ...USDC, symbol: '' }, { ...USDC, extra: 1 }, { address: USDC.address, symbol: 'USDC' }, { ...USDC, address: '0x12' }, [USDC], null, 'USDC', undefined],
  token1: [USDC, { ...WETH, address: '0xffffffffffffffffffffffffffffffffffffffff' }, { ...WETH, address: USDC.address.toLowerCase() }, { ...WETH, decimals: undefined }, null],
  reserve0: ['0', MAX_UINT112, (1n << 112n).toString(), '-5', '1.5', ' 5', '5 ', '', '0x10', 5, 5n, null, 'None', undefined],
  reserve1: ['1', MAX_UINT112, (1n << 113n).toString(), '-0', 'None', null, undefined],
};

describe('snapshot fast path for V2 pools', () => {
  it('answers a well-formed pair as the full reader does', () => {
    const fast = wellFormedV2(pair);
    expect(fast).toBeDefined();
    expectAgrees(pair);
  });

  it('agrees with the full reader on every field at its edges and beyond', () => {
    let answered = 0;
    for (const [field, options] of Object.entries(values)) {
      for (const value of options) {
        expectAgrees({ ...pair, [field]: value });
        if (wellFormedV2({ ...pair, [field]: value }) !== undefined) answered++;
      }
    }
    // The accepted edges (fee 0 and 999,999, decimals 0 and 255, reserves 0 and 2^112 − 1, an
    // upper-case address, other sorted tokens) are answered by the fast path, not only refused.
    expect(answered).toBe(12);
  });

  it('stands aside for unknown, missing, inherited or extra keys, and for what is not a pool object', () => {
    const { reserve1: _, ...missing } = pair;
    const inherited = Object.assign(Object.create({ reserve1: pair.reserve1 }) as object, missing);
    for (const raw of [{ ...pair, extra: 1 }, missing, inherited, { ...missing, extra: '1' }, [pair], null, 'pool', 5]) {
      expect(wellFormedV2(raw)).toBeUndefined();
      expectAgrees(raw);
    }
  });

  const files = ['arbitrum-uniswap-2024-11-01.json', 'base-uniswap-2024-11-01.json', 'optimism-uniswap-2024-11-01.json', 'ethereum-uniswap-v2-2020-10-03.json'];
  for (const file of files) {
    const path = sharedData(`snapshots/${file}`);
    it.skipIf(!path)(`reads every V2 pool of ${file} as the full reader does`, () => {
      const pools = (JSON.parse(readFileSync(path!, 'utf8')) as { pools: unknown[] }).pools;
      let answered = 0;
      for (const raw of pools) {
        if (wellFormedV2(raw) !== undefined) answered++;
        expectAgrees(raw);
      }
      // The real files are made of such pools: the fast path is what reads them.
      const v2 = pools.filter((p) => (p as { protocol?: unknown }).protocol === 'uniswap-v2' && full(p).pool !== null).length;
      expect(answered).toBe(v2);
    });
  }
});
