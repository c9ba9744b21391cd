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
    // Past the TTL the last value is served while one refresh runs behind it…
    clock += 1;
    expect(await cache.get('a', load)).toBe(1);
    await Promise.resolve();
    expect(reads).toBe(3);
    // …and the refreshed value is served once it is in.
    expect(await cache.get('a', load)).toBe(3);
    expect(reads).toBe(3);
  });

  it('serves a stale value for at most twice the TTL; older, it waits for a fresh read; a failed refresh keeps the stale value', async () => {
    let clock = 0;
    let reads = 0;
    const cache = createReadCache<number>({ ttlMs: 100, now: () => clock });
    let release!: () => void;
    const slow = (): Promise<number> => new Promise((resolve) => (release = () => resolve(++reads)));
    const first = cache.get('k', slow);
    release();
    expect(await first).toBe(1);
    // Expired: the stale 1 is served at once while the slow refresh is still under way.
    clock = 150;
    expect(await cache.get('k', slow)).toBe(1);
    clock = 199;
    expect(await cache.get('k', slow)).toBe(1);
    release();
    await Promise.resolve();
    expect(await cache.get('k', slow)).toBe(2); // read at 150: fresh until 250
    // A refresh that fails keeps the stale value, and the next expired request tries again.
    clock = 260;
    await expect(cache.get('k', () => Promise.reject(new Error('database down')))).resolves.toBe(2);
    await Promise.resolve();
    expect(await cache.get('k', async () => ++reads)).toBe(2);
    await Promise.resolve();
    expect(await cache.get('k', async () => ++reads)).toBe(3);
    // Older than twice the TTL, nothing stale is served: the request waits for the read.
    clock = 1_000;
    expect(await cache.get('k', async () => ++reads)).toBe(4);
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
