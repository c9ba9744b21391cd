import { describe, expect, it } from 'vitest';
import { readSnapshotFile, type PoolSnapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { Scanner } from './scanner.ts';

const Q192 = 1n << 192n;
const GAS_WEI = 350_000n * 10_000_000n; // a 3-hop route at 0.01 gwei

/** Gas in base units through one pool, as (numerator, denominator) of base per gas-token unit. */
function rate(pool: PoolSnapshot, base: string): [bigint, bigint] | undefined {
  if (pool.protocol === 'uniswap-v2') {
    if (pool.reserve0 === 0n || pool.reserve1 === 0n) return undefined;
    return pool.token0.address === base ? [pool.reserve0, pool.reserve1] : [pool.reserve1, pool.reserve0];
  }
  if (pool.liquidity === 0n) return undefined;
  const sq = pool.sqrtPriceX96 * pool.sqrtPriceX96;
  return pool.token0.address === base ? [Q192, sq] : [sq, Q192];
}

for (const chain of ['base', 'arbitrum', 'optimism']) {
  const path = sharedData(`snapshots/${chain}-uniswap-2024-11-01.json`);
  describe.skipIf(!path)(`gas pricing on the real ${chain} snapshot`, () => {
    it('prices gas in every default base, through a V2 or V3 pool, rounded up to the wei', async () => {
      const { snapshot } = await readSnapshotFile(path!);
      const scanner = new Scanner(snapshot, { gasPrice: 10_000_000n });
      const gasToken = scanner.tokens.tokens[scanner.gas.gasToken]!.address;
      expect(scanner.bases.length).toBeGreaterThan(1);
      let viaV3 = 0;
      for (const base of scanner.bases) {
        expect(scanner.gas.canPrice(base)).toBe(true);
        const address = scanner.tokens.tokens[base]!.address;
        const cost = scanner.gas.inBase(base, GAS_WEI);
        if (address === gasToken) {
          expect(cost).toBe(GAS_WEI);
          continue;
        }
        expect(cost !== undefined && cost > 0n).toBe(true);
        // The figure is the exact ceiling of the spot conversion through one pool joining the
        // base to the gas token: at least the exact value, less than it plus one.
        const joining = snapshot.pools.filter(
          (p) => (p.token0.address === address && p.token1.address === gasToken) || (p.token1.address === address && p.token0.address === gasToken),
        );
        const source = joining.find((p) => {
          const r = rate(p, address);
          return r !== undefined && cost! * r[1] >= GAS_WEI * r[0] && (cost! - 1n) * r[1] < GAS_WEI * r[0];
        });
        expect(source, `${chain} ${scanner.tokens.tokens[base]!.symbol}`).toBeDefined();
        if (source!.protocol === 'uniswap-v3') viaV3++;
        // The float valuation agrees with the exact one (cost is the ceiling of gas / value).
        const value = scanner.gas.toGasToken(base);
        expect(Number(cost!) * value).toBeGreaterThanOrEqual(Number(GAS_WEI) * (1 - 1e-9));
        expect(Number(cost! - 1n) * value).toBeLessThan(Number(GAS_WEI) * (1 + 1e-9));
        // One wei of gas never rounds to nothing.
        expect(scanner.gas.inBase(base, 1n)! >= 1n).toBe(true);
      }
      expect(viaV3).toBeGreaterThan(0);
      scanner.scanAll(false);
      for (const opp of scanner.top(10)) expect(opp.gasCost > 0n).toBe(true);
    });
  });
}
