import { describe, expect, it } from 'vitest';
import { readSnapshotFile, type PoolSnapshot, type Snapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { synthesize, type SynthOptions } from '../synth/synthesize.ts';
import { createRng } from '../util/seeded-random.ts';
import { applyMoves, RandomBlocks, type PoolMove } from './random-blocks.ts';
import { Scanner } from './scanner.ts';
import type { ScannerOptions } from './types.ts';

const ethereum = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');

function ranked(scanner: Scanner, k: number): string {
  // Blocks differ only where a cycle was last computed earlier; everything else must be equal.
  return JSON.stringify(scanner.top(k), (key, v: unknown) => (key === 'block' ? undefined : typeof v === 'bigint' ? v.toString() : v));
}

/** The state a block leaves, as a snapshot a fresh scanner can be built from (pool i = scanner pool i). */
function applyToSnapshot(pools: PoolSnapshot[], moves: readonly PoolMove[]): void {
  for (const move of moves) {
    const pool = pools[move.pool]!;
    if (move.v3 === undefined && pool.protocol === 'uniswap-v2') pools[move.pool] = { ...pool, reserve0: move.reserve0, reserve1: move.reserve1 };
    else if (move.v3 !== undefined && pool.protocol === 'uniswap-v3') pools[move.pool] = { ...pool, ...move.v3, ticks: pool.ticks };
    else throw new Error(`move of pool ${move.pool} does not match its protocol`);
  }
}

/**
 * Follows `blocks` simulated blocks incrementally; at every `every`-th block, builds a fresh
 * scanner from the state so far and compares the top opportunities field by field.
 */
function followAndCompare(source: Snapshot, options: ScannerOptions, blocks: number, every: number, changed: number, v3Divisor: bigint): number {
  const live = new Scanner(source, options);
  live.scanAll();
  const pools = [...source.pools];
  const stream = new RandomBlocks(live, createRng(11), v3Divisor);
  // Every third block also moves the pools gas is priced through (the ranking's per-group gas).
  const pricing: number[] = [];
  for (let p = 0; p < live.pools.size; p++) if (live.gas.pricesBase[p]! >= 0) pricing.push(p);
  expect(pricing.length).toBeGreaterThan(0);
  let found = 0;
  for (let b = 1; b <= blocks; b++) {
    const moves = stream.next(changed, b % 3 === 0 ? pricing : []);
    applyMoves(live, moves);
    applyToSnapshot(pools, moves);
    live.refresh(BigInt(b));
    if (b % every !== 0) continue;
    const fresh = new Scanner({ ...source, pools, block: BigInt(b) }, options);
    fresh.scanAll(false);
    const got = ranked(live, 25);
    expect(got, `block ${b}`).toBe(ranked(fresh, 25));
    found += (JSON.parse(got) as unknown[]).length;
  }
  return found;
}

describe.skipIf(!ethereum || !arbitrum)('incremental refresh on synthetic universes', () => {
  it('equals a full rescan on a V2 universe with parallel venues and a token family (sampled blocks)', async () => {
    const { snapshot: real } = await readSnapshotFile(ethereum!);
    const options: SynthOptions = { kind: 'v2', pools: 15_000, seed: 2 };
    const { snapshot } = synthesize(real, options);
    // Every path of two or more cycles grouped, so the incremental path groups are compared too.
    const found = followAndCompare(snapshot, { gasPrice: 30n * 10n ** 9n, pathGroupMin: { v2: 2, v3: 2 } }, 60, 20, 50, 1000n);
    expect(found).toBeGreaterThan(50);
  }, 240_000);

  it('equals a full rescan on a V3-heavy universe (sampled blocks)', async () => {
    const { snapshot: real } = await readSnapshotFile(arbitrum!);
    const { snapshot } = synthesize(real, { kind: 'v3', pools: 150, seed: 4 });
    const found = followAndCompare(snapshot, { gasPrice: 10n ** 7n }, 8, 4, 20, 100n);
    expect(found).toBeGreaterThan(20);
  }, 240_000);
});
