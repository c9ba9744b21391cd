import { describe, expect, it } from 'vitest';
import { createReadCache } from './read-cache.ts';

describe('read cache', () => {
  it('serves one read per key within the TTL, concurrent misses share it, reads again after', async () => {
    let clock = 1_000;
    let reads = 0;
    const cache = createReadCache<number>({ ttlMs: 500, now: () => clock });
    const load = async () => ++reads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
    clock += 499;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
    clock += 1;
    expect(await cache.get('a', load)).toBe(3);
    expect(reads).toBe(3);
  });

  it('keeps no failed read, reads every time with TTL 0, and holds at most maxEntries keys', async () => {
    const clock = 0;
    let reads = 0;
    const cache = createReadCache<number>({ ttlMs: 1_000, maxEntries: 2, now: () => clock });
    await expect(cache.get('x', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('x', async () => ++reads)).toBe(1);
    await cache.get('y', async () => ++reads);
    await cache.get('z', async () => ++reads);
    // 'x' was the oldest of three: pushed out, read again.
    expect(await cache.get('x', async () => ++reads)).toBe(4);
    const uncached = createReadCache<number>({ ttlMs: 0 });
    let n = 0;
    await uncached.get('k', async () => ++n);
    expect(await uncached.get('k', async () => ++n)).toBe(2);
  });
});
