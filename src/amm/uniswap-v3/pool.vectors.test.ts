import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/shared-data.ts';
import { AmmError } from '../errors.ts';
import { swap } from './pool.ts';
import { mintAmounts, poolFromPositions } from './positions.ts';
import { V3_CORE_AMOUNTS, V3_CORE_PRICE_LIMITS, V3_CORE_SWAP_POOLS } from './v3-core-swap-cases.ts';

// Replays the published results of Uniswap V3 core's UniswapV3Pool.swaps.spec.ts on our swap loop.
const snapPath = sharedData('vectors/uniswap-v3-pool-swaps.snap');
const MAX_INT256 = (1n << 255n) - 1n;

interface SnapCase {
  name: string;
  fields: Record<string, string>;
}

function parseSnap(text: string): SnapCase[] {
  const out: SnapCase[] = [];
  const re = /exports\[`UniswapV3Pool swap tests (.*?) 1`\] = `\s*Object \{([^}]*)\}/g;
  for (const m of text.matchAll(re)) {
    const fields: Record<string, string> = {};
    for (const f of m[2]!.matchAll(/"(\w+)": "?([^",\n]*)"?,/g)) fields[f[1]!] = f[2]!;
    out.push({ name: m[1]!, fields });
  }
  return out;
}

interface Parsed { zeroForOne: boolean; amountSpecified: bigint; limit: bigint | undefined }

function parseSwap(text: string): Parsed {
  const limitOf = (p: string | undefined): bigint | undefined => {
    if (p === undefined) return undefined;
    const limit = V3_CORE_PRICE_LIMITS[p];
    if (limit === undefined) throw new Error(`unknown price ${p}`);
    return limit;
  };
  const amountOf = (a: string): bigint => {
    const amount = V3_CORE_AMOUNTS[a];
    if (amount === undefined) throw new Error(`unknown amount ${a}`);
    return amount;
  };
  let m = /^swap exactly (\S+) token([01]) for token[01](?: to price (\S+))?$/.exec(text);
  if (m) return { zeroForOne: m[2] === '0', amountSpecified: amountOf(m[1]!), limit: limitOf(m[3]) };
  m = /^swap token([01]) for exactly (\S+) token[01](?: to price (\S+))?$/.exec(text);
  if (m) return { zeroForOne: m[1] === '0', amountSpecified: -amountOf(m[2]!), limit: limitOf(m[3]) };
  m = /^swap token([01]) for token[01] to price (\S+)$/.exec(text);
  if (m) return { zeroForOne: m[1] === '0', amountSpecified: MAX_INT256, limit: limitOf(m[2]) };
  throw new Error(`unparsed swap case: ${text}`);
}

describe.skipIf(!snapPath)('UniswapV3Pool.swaps.spec.ts published results', () => {
  const cases = parseSnap(readFileSync(snapPath ?? '/dev/null', 'utf8'));

  it('covers every case of the snapshot (15 pools x 16 swaps)', () => {
    expect(cases).toHaveLength(240);
  });

  for (const setup of V3_CORE_SWAP_POOLS) {
    const mine = cases.filter((c) => c.name.startsWith(`${setup.description} swap`));
    describe(setup.description, () => {
      const pool = poolFromPositions(setup);

      it('rebuilds the pool: minted balances and starting tick match', () => {
        expect(mine).toHaveLength(16);
        let balance0 = 0n;
        let balance1 = 0n;
        for (const p of setup.positions) {
          const { amount0, amount1 } = mintAmounts(p, setup.sqrtPriceX96);
          balance0 += amount0;
          balance1 += amount1;
        }
        for (const c of mine) {
          expect(String(balance0)).toBe(c.fields.amount0Before ?? c.fields.poolBalance0);
          expect(String(balance1)).toBe(c.fields.amount1Before ?? c.fields.poolBalance1);
          expect(String(pool.tick)).toBe(c.fields.tickBefore);
        }
      });

      for (const c of mine) {
        it(c.name.slice(setup.description.length + 1), () => {
          const { zeroForOne, amountSpecified, limit } = parseSwap(c.name.slice(setup.description.length + 1));
          if (c.fields.swapError !== undefined) {
            const reason = /revert (\w+)/.exec(c.fields.swapError)?.[1];
            expect(() => swap(pool, zeroForOne, amountSpecified, limit)).toThrow(AmmError);
            try { swap(pool, zeroForOne, amountSpecified, limit); } catch (e) { expect((e as AmmError).reason).toBe(reason); }
            return;
          }
          const r = swap(pool, zeroForOne, amountSpecified, limit);
          expect(String(r.amount0)).toBe(c.fields.amount0Delta);
          expect(String(r.amount1)).toBe(c.fields.amount1Delta);
          expect(String(r.tick)).toBe(c.fields.tickAfter);
          const growth = zeroForOne ? c.fields.feeGrowthGlobal0X128Delta : c.fields.feeGrowthGlobal1X128Delta;
          expect(String(r.feeGrowthGlobalX128Delta)).toBe(growth);
        });
      }
    });
  }
});
