import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { applyMoves, RandomBlocks } from './random-blocks.ts';
import { Scanner } from './scanner.ts';
import type { Opportunity, ScannerOptions } from './types.ts';

/**
 * Guard for speed work on the scanner: on every shipped snapshot, the top opportunities (every
 * field, to the wei) after the cold scan and after each of a few simulated blocks must stay
 * exactly those recorded in `golden-top.json`. The file was written by the scanner as of
 * commit d0cc2a3, before the issue-16 changes (`UPDATE_GOLDEN=1 npx vitest run
 * src/scanner/golden-top.test.ts` rewrites it: only for a deliberate change of results, said in
 * the commit). Opportunities carry only the fields present then, so added fields do not break it.
 */
const GOLDEN = new URL('./golden-top.json', import.meta.url);
/** Each shipped snapshot, with the blocks simulated (V3 markets need a few dozen swaps to drift apart) and its gas price. */
const SNAPSHOTS = [
  { name: 'ethereum-uniswap-v2-2020-10-03', blocks: 6, v3Divisor: 1000n, gasPrice: 30n * 10n ** 9n },
  { name: 'arbitrum-uniswap-2024-11-01', blocks: 10, v3Divisor: 10n, gasPrice: 10n ** 7n },
  { name: 'base-uniswap-2024-11-01', blocks: 10, v3Divisor: 10n, gasPrice: 10n ** 7n },
  { name: 'optimism-uniswap-2024-11-01', blocks: 10, v3Divisor: 10n, gasPrice: 10n ** 7n },
];
const FIELDS = ['cycle', 'block', 'pools', 'tokens', 'amounts', 'amountIn', 'amountOut', 'profit', 'flashSource', 'flashFee', 'gasUnits', 'gasCost', 'netProfit'] as const;
const TOP = 10;

function line(opportunities: Opportunity[]): string {
  const kept = opportunities.map((o) => Object.fromEntries(FIELDS.map((f) => [f, o[f]])));
  return JSON.stringify(kept, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Top opportunities of one snapshot and setting: after the cold scan, then after each block. */
async function run(path: string, options: ScannerOptions, blockCount: number, v3Divisor: bigint): Promise<string[]> {
  const { snapshot } = await readSnapshotFile(path);
  const scanner = new Scanner(snapshot, options);
  scanner.scanAll();
  const out = [line(scanner.top(TOP))];
  const blocks = new RandomBlocks(scanner, createRng(7), v3Divisor);
  const changed = Math.min(50, Math.ceil(scanner.pools.size / 3));
  let block = scanner.block ?? 0n;
  for (let b = 0; b < blockCount; b++) {
    applyMoves(scanner, blocks.next(changed));
    scanner.refresh(++block);
    out.push(line(scanner.top(TOP)));
  }
  return out;
}

const paths = SNAPSHOTS.map((s) => ({ ...s, path: sharedData(`snapshots/${s.name}.json`) }));

describe.skipIf(paths.some((s) => s.path === undefined))('top opportunities on the shipped snapshots', () => {
  it('stay exactly those recorded before the scale work (every field, to the wei)', async () => {
    const actual: Record<string, string[]> = {};
    for (const { name, path, blocks, gasPrice, v3Divisor } of paths) {
      actual[`${name} / gross`] = await run(path!, {}, blocks, v3Divisor);
      actual[`${name} / gas ${gasPrice} wei`] = await run(path!, { gasPrice }, blocks, v3Divisor);
    }
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 1)}\n`);
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string[]>;
    expect(Object.keys(actual)).toEqual(Object.keys(golden));
    const found: Record<string, number> = {};
    for (const key of Object.keys(golden)) {
      found[key] = 0;
      expect(actual[key]!.length, key).toBe(golden[key]!.length);
      actual[key]!.forEach((got, i) => {
        expect(got, `${key}, ${i === 0 ? 'cold scan' : `block ${i}`}`).toBe(golden[key]![i]);
        found[key]! += (JSON.parse(got) as unknown[]).length;
      });
    }
    // The guard must guard something: every snapshot and setting yields opportunities.
    for (const [key, count] of Object.entries(found)) expect(count, key).toBeGreaterThan(10);
  }, 120_000);
});
