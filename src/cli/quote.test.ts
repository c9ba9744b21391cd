import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { getAmountIn, getAmountOut } from '../amm/uniswap-v2.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { V3Pool } from '../market/v3-pool.ts';
import { snapshotToJson, type Snapshot, type V3PoolSnapshot } from '../market/snapshot.ts';

const T0 = '0x00000000000000000000000000000000000000a0';
const T1 = '0x00000000000000000000000000000000000000b1';
const V2 = '0x00000000000000000000000000000000000000c2';
const V3 = '0x00000000000000000000000000000000000000d3';
const tokens = { token0: { address: T0, symbol: 'A', decimals: 18 }, token1: { address: T1, symbol: 'B', decimals: 6 } } as const;
const v3: V3PoolSnapshot = {
  protocol: 'uniswap-v3', address: V3, fee: 500, tickSpacing: 10, ...tokens,
  sqrtPriceX96: 79228162514264337593543950336n, tick: 0, liquidity: 3n * 10n ** 18n,
  ticks: [{ tick: -100, liquidityNet: 10n ** 18n }, { tick: -20, liquidityNet: 2n * 10n ** 18n }, { tick: 20, liquidityNet: -2n * 10n ** 18n }, { tick: 100, liquidityNet: -(10n ** 18n) }],
};
const snapshot: Snapshot = {
  format: 'orion.pools/v1', chainId: 1, block: null,
  pools: [{ protocol: 'uniswap-v2', address: V2, fee: 3000, ...tokens, reserve0: 10n ** 21n, reserve1: 5n * 10n ** 9n }, v3],
};
const dir = mkdtempSync(join(tmpdir(), 'orion-quote-'));
const file = join(dir, 'snap.json');
writeFileSync(file, JSON.stringify(snapshotToJson(snapshot)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `orion quote ...args` in this process: exit code, stdout, stderr. */
async function quote(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += c.toString(); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += c.toString(); return true; });
  try {
    const code = await main(['quote', '--snapshot', file, ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Token units by string arithmetic on the digits, independent of src/format: 1234567 at 6 → "1.234567". */
function unitsOf(amount: bigint, decimals: number): string {
  const digits = amount.toString().padStart(decimals + 1, '0');
  const fraction = digits.slice(-decimals).replace(/0+$/, '');
  return fraction === '' ? digits.slice(0, -decimals) : `${digits.slice(0, -decimals)}.${fraction}`;
}

describe('orion quote', () => {
  it('V2: exact in and exact out, addresses in any case', async () => {
    const a = await quote('--pool', V2.toUpperCase().replace('0X', '0x'), '--token-in', T0.toUpperCase().replace('0X', '0x'), '--amount-in', '1000000000000000000');
    expect(a.code).toBe(0);
    const out = getAmountOut(10n ** 18n, 10n ** 21n, 5n * 10n ** 9n);
    expect(JSON.parse(a.out)).toEqual({
      amountIn: '1000000000000000000', amountOut: String(out),
      tokenIn: tokens.token0, tokenOut: tokens.token1, amountInUnits: '1', amountOutUnits: unitsOf(out, 6),
    });
    const b = await quote('--pool', V2, '--token-in', T1, '--amount-out', '12345');
    const paid = getAmountIn(12345n, 5n * 10n ** 9n, 10n ** 21n);
    expect(JSON.parse(b.out)).toEqual({
      amountIn: String(paid), amountOut: '12345',
      tokenIn: tokens.token1, tokenOut: tokens.token0, amountInUnits: unitsOf(paid, 6), amountOutUnits: '0.000000000000012345',
    });
    expect(b.out.split('\n')).toEqual([b.out.trim(), '']);
  });

  it('V3: amounts and the state after, as the swap loop gives them', async () => {
    const pool = new V3Pool(v3);
    const r = swap(pool, false, -(5n * 10n ** 15n));
    const a = await quote('--pool', V3, '--token-in', T1, '--amount-out', '5000000000000000');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out)).toEqual({
      amountIn: String(r.amount1), amountOut: '5000000000000000',
      tokenIn: tokens.token1, tokenOut: tokens.token0, amountInUnits: unitsOf(r.amount1, 6), amountOutUnits: '0.005',
      sqrtPriceX96After: String(r.sqrtPriceX96), tickAfter: r.tick, liquidityAfter: String(r.liquidity),
    });
    expect(r.initializedTicksCrossed).toBeGreaterThan(0);
  });

  it('takes the token paid in by its symbol in the pool (any case), as by its address', async () => {
    const bySymbol = await quote('--pool', V2, '--token-in', 'b', '--amount-in', '2500000');
    const byAddress = await quote('--pool', V2, '--token-in', T1, '--amount-in', '2500000');
    expect(bySymbol.code).toBe(0);
    expect(bySymbol.out).toBe(byAddress.out);
    expect(JSON.parse(bySymbol.out)).toMatchObject({ tokenIn: tokens.token1, amountInUnits: '2.5' });
  });

  it.each([
    [['--pool', V2, '--token-in', 'WETH', '--amount-in', '1'], /--token-in of pool 0x0+c2 "WETH" is neither an address nor the symbol/],
    [['--pool', '0x0000000000000000000000000000000000000999', '--token-in', T0, '--amount-in', '1'], /pool 0x0+999 is not in snapshot/],
    [['--pool', V2, '--token-in', '0x0000000000000000000000000000000000000999', '--amount-in', '1'], /token 0x0+999 is not in pool 0x0+c2/],
    [['--pool', V2, '--token-in', T0, '--amount-in', '0'], /--amount-in must be a positive integer .* got "0"/],
    [['--pool', V2, '--token-in', T0, '--amount-in=-4'], /--amount-in must be a positive integer .* got "-4"/],
    [['--pool', V2, '--token-in', T0, '--amount-out', '2.5'], /--amount-out must be a positive integer .* got "2.5"/],
    [['--pool', V2, '--token-in', T0], /exactly one of --amount-in or --amount-out/],
    [['--pool', V2, '--token-in', T0, '--amount-out', '5000000000'], /pool 0x0+c2: amountOut 5000000000 is beyond the liquidity/],
    [['--pool', V3, '--token-in', T0, '--amount-out', '10000000000000000000000'], /pool 0x0+d3: exact-out amount 10{22} is beyond its liquidity/],
  ])('exit 2 with one line naming the problem: %j', async (args, message) => {
    const r = await quote(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('the installed binary prints the same line', () => {
    const r = spawnSync(process.execPath, ['bin/orion.js', 'quote', '--snapshot', file, '--pool', V3, '--token-in', T0, '--amount-in', '777'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const q = new V3Pool(v3).quoteExactIn(T0, 777n);
    expect(JSON.parse(r.stdout)).toMatchObject({ amountIn: '777', amountOut: String(q.amountOut), tickAfter: q.tickAfter });
  });
});
