import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { createRng } from '../util/seeded-random.ts';
import { defaultBaseTokens } from './base-tokens.ts';
import { enumerateCycles, type CycleSet } from './cycles.ts';
import { buildPoolTable, KIND_V2, type PoolTable } from './pool-table.ts';
import { buildTokenTable } from './tokens.ts';

/**
 * The enumeration without its index (the adjacency and the closing edges): from each base in
 * priority order, depth first over every pool in pool order, keeping those that touch the
 * current token. The same cycles in the same order is what every later array depends on.
 */
function reference(pools: PoolTable, tokenCount: number, bases: readonly number[], maxHops: number): string[] {
  const out: string[] = [];
  const blocked = new Set<number>();
  const onPath = new Set<number>();
  const path: string[] = [];
  const visit = (base: number, token: number, depth: number, previous: number): void => {
    for (let p = 0; p < pools.size; p++) {
      const t0 = pools.token0[p]!;
      const t1 = pools.token1[p]!;
      if (t0 !== token && t1 !== token) continue;
      if (p === previous) continue;
      const to = t0 === token ? t1 : t0;
      path[depth] = `${p}${t0 === token ? '+' : '-'}`;
      if (to === base) {
        if (depth >= 1) out.push(`${base}:${path.slice(0, depth + 1).join(',')}`);
        continue;
      }
      if (depth + 2 > maxHops || blocked.has(to) || onPath.has(to)) continue;
      onPath.add(to);
      visit(base, to, depth + 1, p);
      onPath.delete(to);
    }
  };
  for (const base of bases) {
    visit(base, base, 0, -1);
    blocked.add(base);
  }
  expect(tokenCount).toBeGreaterThan(0);
  return out;
}

function listed(cycles: CycleSet): string[] {
  const out: string[] = [];
  for (let c = 0; c < cycles.count; c++) {
    const hops: string[] = [];
    for (let h = 0; h < cycles.length[c]!; h++) hops.push(`${cycles.pools[c * cycles.stride + h]}${cycles.zeroForOne[c * cycles.stride + h] === 1 ? '+' : '-'}`);
    out.push(`${cycles.base[c]}:${hops.join(',')}`);
  }
  return out;
}

/** A random graph: `tokens` tokens, `size` pools between random distinct pairs (parallel pools included). */
function randomPools(random: () => number, tokens: number, size: number): PoolTable {
  const token0 = new Int32Array(size);
  const token1 = new Int32Array(size);
  for (let p = 0; p < size; p++) {
    const a = Math.floor(random() * tokens);
    let b = Math.floor(random() * (tokens - 1));
    if (b >= a) b++;
    token0[p] = Math.min(a, b);
    token1[p] = Math.max(a, b);
  }
  return { size, token0, token1, kind: new Uint8Array(size).fill(KIND_V2) } as unknown as PoolTable;
}

describe('enumerateCycles', () => {
  it('finds the cycles of the pool-by-pool search, in its order, on random graphs (2 to 4 hops, 1 to 3 bases)', () => {
    const random = createRng(16);
    for (let trial = 0; trial < 60; trial++) {
      const tokens = 3 + Math.floor(random() * 6);
      const pools = randomPools(random, tokens, 2 + Math.floor(random() * 16));
      const bases = [0, 1, 2].slice(0, 1 + Math.floor(random() * 3)).map((b) => (b + trial) % tokens);
      const maxHops = 2 + (trial % 3);
      const cycles = enumerateCycles(pools, tokens, bases, maxHops);
      expect(listed(cycles)).toEqual(reference(pools, tokens, bases, maxHops));
      // The pool index lists every cycle through each pool once.
      for (let p = 0; p < pools.size; p++) {
        const through = [...cycles.byPool.subarray(cycles.poolStart[p]!, cycles.poolStart[p + 1]!)];
        const expected: number[] = [];
        for (let c = 0; c < cycles.count; c++) if (cycles.pools.subarray(c * maxHops, (c + 1) * maxHops).includes(p)) expected.push(c);
        expect(through).toEqual(expected);
      }
    }
  });

  const path = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
  it.skipIf(!path)('finds the cycles of the pool-by-pool search on the real pairs', async () => {
    const { snapshot } = await readSnapshotFile(path!);
    const tokens = buildTokenTable(snapshot.pools);
    const pools = buildPoolTable(snapshot.pools, tokens);
    const bases = defaultBaseTokens(tokens);
    const cycles = enumerateCycles(pools, tokens.tokens.length, bases, 3);
    expect(cycles.count).toBe(5222);
    expect(listed(cycles)).toEqual(reference(pools, tokens.tokens.length, bases, 3));
  });
});
