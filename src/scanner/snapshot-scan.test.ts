import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { Scanner } from './scanner.ts';

const ethereum = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');

describe.skipIf(!ethereum)('scan of the real 10,773-pair Ethereum V2 snapshot', () => {
  it('indexes every pair, skips the dry ones, and ranks exact local optima', async () => {
    const { snapshot } = await readSnapshotFile(ethereum!);
    const scanner = new Scanner(snapshot, { gasPrice: 50n * 10n ** 9n });
    scanner.scanAll(false);
    const stats = scanner.stats();
    // From the raw file, not the reader: every pair, and the dead ones (a zero reserve).
    const raw = JSON.parse(readFileSync(ethereum!, 'utf8')) as { pools: { reserve0: string; reserve1: string }[] };
    const dead = raw.pools.filter((pool) => BigInt(pool.reserve0) === 0n || BigInt(pool.reserve1) === 0n).length;
    expect(dead).toBeGreaterThan(0);
    expect(stats.pools).toBe(raw.pools.length);
    expect(stats.dryPools).toBe(dead);
    expect(stats.cycles).toBeGreaterThan(5_000);
    const symbols = scanner.bases.map((b) => scanner.tokens.tokens[b]!.symbol);
    expect(symbols).toEqual(['WETH', 'USDT', 'DAI', 'USDC']);
    const top = scanner.top(25);
    expect(top.length).toBe(25);
    const byAddress = new Map(snapshot.pools.map((p) => [p.address, p]));
    let previousValue = Infinity;
    for (const opp of top) {
      // Re-derive every hop from the snapshot with the AMM math alone.
      const run = (amountIn: bigint): bigint =>
        opp.pools.reduce((amount, address, h) => {
          const pool = byAddress.get(address)!;
          if (pool.protocol !== 'uniswap-v2') throw new Error('V2 only');
          const zeroForOne = pool.token0.address === opp.tokens[h];
          return amount <= 0n ? 0n : getAmountOut(amount, zeroForOne ? pool.reserve0 : pool.reserve1, zeroForOne ? pool.reserve1 : pool.reserve0, pool.fee);
        }, amountIn);
      expect(opp.amountOut).toBe(run(opp.amountIn));
      expect(opp.amounts[opp.amounts.length - 1]).toBe(opp.amountOut);
      expect(opp.netProfit).toBe(opp.profit - opp.flashFee - opp.gasCost);
      expect(opp.gasCost > 0n).toBe(true);
      expect(opp.netProfit > 0n).toBe(true);
      for (let d = 1n; d <= 5n; d++) {
        expect(opp.profit >= run(opp.amountIn + d) - opp.amountIn - d).toBe(true);
        expect(opp.profit >= run(opp.amountIn - d) - opp.amountIn + d).toBe(true);
      }
      // Ranked best first by value in WETH; the gas cost is the same for every 3-hop route.
      const value = Number(opp.netProfit) * scanner.gas.toGasToken(scanner.tokens.index.get(opp.tokens[0]!)!);
      expect(value).toBeLessThanOrEqual(previousValue);
      previousValue = value;
    }
  });
});
