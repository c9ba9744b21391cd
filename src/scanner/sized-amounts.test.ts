import { describe, expect, it } from 'vitest';
import { getAmountOut } from '../amm/uniswap-v2.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { KIND_V3 } from './pool-table.ts';
import { applyMoves, RandomBlocks } from './random-blocks.ts';
import { Scanner } from './scanner.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');

describe.skipIf(!arbitrum)('per-hop amounts of routes with V3 hops', () => {
  it('taken from the sizing quotes equal whole swaps from the pools\' states, block after block', async () => {
    const { snapshot } = await readSnapshotFile(arbitrum!);
    const scanner = new Scanner(snapshot);
    scanner.scanAll();
    const blocks = new RandomBlocks(scanner, createRng(5), 10n);
    let checked = 0;
    for (let b = 1; b <= 8; b++) {
      applyMoves(scanner, blocks.next(12));
      scanner.refresh(BigInt(b));
      for (const opp of scanner.top(10)) {
        // Each hop again, with the AMM's own swap loop and V2 formula from the scanner's pool states.
        let amount = opp.amountIn;
        opp.pools.forEach((address, h) => {
          const p = scanner.poolIndex(address);
          const zeroForOne = scanner.tokens.index.get(opp.tokens[h]!) === scanner.pools.token0[p];
          if (scanner.pools.kind[p] === KIND_V3) {
            const result = swap(scanner.v3State(p), zeroForOne, amount);
            amount = -(zeroForOne ? result.amount1 : result.amount0);
            checked++;
          } else {
            const { reserve0, reserve1, fee } = scanner.pools;
            amount = getAmountOut(amount, zeroForOne ? reserve0[p]! : reserve1[p]!, zeroForOne ? reserve1[p]! : reserve0[p]!, fee[p]!);
          }
          expect(opp.amounts[h + 1], `${opp.pools.join('>')} hop ${h}`).toBe(amount);
        });
      }
    }
    expect(checked).toBeGreaterThan(30);
  }, 120_000);
});
