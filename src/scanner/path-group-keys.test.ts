import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { synthesize } from '../synth/synthesize.ts';
import { createRng } from '../util/seeded-random.ts';
import { pathGroupKey } from './path-bound.ts';
import { PathGroupKeys } from './path-group-keys.ts';
import { applyMoves, RandomBlocks } from './random-blocks.ts';
import { Scanner } from './scanner.ts';
import type { V3LiquidityBound } from './v3-bound.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');

describe.skipIf(!arbitrum)('path group keys kept per hop', () => {
  it('equal the key computed from scratch for every group, block after block (V3-heavy universe, prices crossing ticks)', async () => {
    const { snapshot: real } = await readSnapshotFile(arbitrum!);
    const { snapshot } = synthesize(real, { kind: 'v3', pools: 300, seed: 5 });
    // Every path of two or more cycles grouped, all-V2 ones too.
    const scanner = new Scanner(snapshot, { pathGroupMin: { v2: 2, v3: 2 } });
    const inside = scanner as unknown as { v3Bound: V3LiquidityBound; changedAt: Int32Array; epoch: number };
    const { paths, pools } = scanner;
    const stride = scanner.cycles.stride;
    const keys = new PathGroupKeys(paths, stride, pools, inside.v3Bound, inside.changedAt);
    expect(paths.count).toBeGreaterThan(50);
    // Swaps of up to a tenth of a V3 pool's in-range reserve: prices cross ticks, windows move.
    const blocks = new RandomBlocks(scanner, createRng(7), 10n);
    let compared = 0;
    let positive = 0;
    for (let b = 0; b <= 40; b++) {
      if (b > 0) {
        applyMoves(scanner, blocks.next(15));
        scanner.refresh(BigInt(b));
      }
      // A flash fee and a cap that vary, as the scanner's groups' do.
      const fee = [0, 500, 3000][b % 3]!;
      const cap = b % 4 === 0 ? 1e21 : 2 ** 112;
      for (let g = 0; g < paths.count; g++) {
        const expected = pathGroupKey(paths, g, stride, pools, inside.v3Bound, fee, cap);
        expect(keys.key(g, fee, cap, inside.epoch), `block ${b} group ${g}`).toBe(expected);
        compared++;
        if (expected !== undefined && expected > 0) positive++;
      }
    }
    expect(positive).toBeGreaterThan(compared / 20);
  }, 120_000);
});
