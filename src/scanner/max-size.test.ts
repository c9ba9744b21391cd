import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { readSnapshotFile, type PoolSnapshot, type Snapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import type { Opportunity } from './types.ts';
import { Scanner } from './scanner.ts';

const ethereum = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
const WETH = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2';

const indexes = new WeakMap<Snapshot, Map<string, PoolSnapshot>>();

/** Profit of an opportunity's route at `amountIn`, from the snapshot and the AMM math alone. */
function profitAt(snapshot: Snapshot, opp: Opportunity, amountIn: bigint): bigint {
  let byAddress = indexes.get(snapshot);
  if (byAddress === undefined) indexes.set(snapshot, (byAddress = new Map(snapshot.pools.map((p) => [p.address, p]))));
  const out = opp.pools.reduce((amount, address, h) => {
    const pool = byAddress!.get(address)!;
    if (pool.protocol !== 'uniswap-v2') throw new Error('V2 only');
    const zeroForOne = pool.token0.address === opp.tokens[h];
    return amount <= 0n ? 0n : getAmountOut(amount, zeroForOne ? pool.reserve0 : pool.reserve1, zeroForOne ? pool.reserve1 : pool.reserve0, pool.fee);
  }, amountIn);
  return out - amountIn;
}

describe.skipIf(!ethereum)('maximum size per token', () => {
  it('never exceeds the cap, and sizes to the best integer input under it', async () => {
    const { snapshot } = await readSnapshotFile(ethereum!);
    const free = new Scanner(snapshot);
    free.scanAll(false);
    const uncapped = free.top(40);
    const wethLed = uncapped.filter((o) => o.tokens[0] === WETH);
    expect(wethLed.length).toBeGreaterThan(3);
    // A cap below the largest WETH optimum, so some routes must shrink to it.
    const largest = wethLed.reduce((m, o) => (o.amountIn > m ? o.amountIn : m), 0n);
    const cap = largest / 3n;
    const capped = new Scanner(snapshot, { maxIn: new Map([[WETH.toUpperCase().replace('0X', '0x'), cap]]) });
    capped.scanAll(false);
    const byCycle = new Map(uncapped.map((o) => [o.cycle, o]));
    let shrunk = 0;
    for (const opp of capped.top(40)) {
      const before = byCycle.get(opp.cycle);
      if (opp.tokens[0] !== WETH) {
        // Other bases keep their own (default) bound: the same sizes as without the cap.
        if (before !== undefined) expect(opp.amountIn).toBe(before.amountIn);
        continue;
      }
      expect(opp.amountIn <= cap).toBe(true);
      expect(opp.profit).toBe(profitAt(snapshot, opp, opp.amountIn));
      if (before === undefined || before.amountIn <= cap) {
        if (before !== undefined) expect(opp.amountIn).toBe(before.amountIn);
        continue;
      }
      // The unconstrained optimum lies beyond the cap and the profit is concave below it, so the
      // best input under the cap sits just under it: no input of the last 300 wei does better.
      shrunk++;
      for (let x = cap; x > cap - 300n; x--) expect(profitAt(snapshot, opp, x) <= opp.profit).toBe(true);
      expect(opp.profit < before.profit).toBe(true);
    }
    expect(shrunk).toBeGreaterThan(0);
  });

  it('refuses a cap on a token that is not a base, and a zero cap', async () => {
    const { snapshot } = await readSnapshotFile(ethereum!);
    expect(() => new Scanner(snapshot, { bases: [WETH], maxIn: new Map([['0x6b175474e89094c44da98b954eedeac495271d0f', 1n]]) })).toThrow(/not a base token/);
    expect(() => new Scanner(snapshot, { bases: [WETH], maxIn: new Map([[WETH, 0n]]) })).toThrow(/at least 1 wei/);
  });
});
