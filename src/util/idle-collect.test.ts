import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createIdleCollector } from './idle-collect.ts';

const youngUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;

/** Blocks that each allocate ~200 KB of short-lived objects; how many of them V8 had to collect young garbage inside. */
function blocksCollectedInside(blocks: number, between: () => void): number {
  let inside = 0;
  let kept: object[] = [];
  for (let b = 0; b < blocks; b++) {
    between();
    const before = youngUsed();
    const garbage: object[] = [];
    for (let i = 0; i < 4000; i++) garbage.push({ i, a: [i, i + 1, i + 2] });
    kept = garbage; // live until the next block, as a block's caches are
    // The young generation's use only grows within a block unless V8 collected it there.
    if (youngUsed() < before) inside += 1;
  }
  expect(kept.length).toBe(4000);
  return inside;
}

describe('idle collection between blocks', () => {
  it('V8 collects inside blocks on its own; collected between them when the next would fill it, no block carries a collection', () => {
    expect(blocksCollectedInside(400, () => undefined)).toBeGreaterThan(0);
    const collector = createIdleCollector();
    expect(blocksCollectedInside(400, () => collector.afterBlock())).toBe(0);
    expect(collector.status().collections).toBeGreaterThan(0);
    expect(collector.status().blockBytes).toBeGreaterThan(100_000);
  });
});
