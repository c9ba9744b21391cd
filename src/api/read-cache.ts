/**
 * A short-lived cache of read results, keyed by the request's query: for a list many clients
 * poll at once (every dashboard asks for the newest opportunities), one database read per key
 * per `ttlMs` serves them all. Concurrent misses share one read (single flight); a failed read
 * is not kept. Entries beyond `maxEntries` push out the oldest, so odd queries cannot grow it.
 * What a client sees is at most `ttlMs` older than the ledger (the engine writes once a block).
 */
export interface ReadCache<T> {
  get(key: string, load: () => Promise<T>): Promise<T>;
}

/** Options of `createReadCache`. */
export interface ReadCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  /** Milliseconds now (tests pass their own clock). */
  now?: () => number;
}

/** A cache; `ttlMs` 0 reads every time. */
export function createReadCache<T>({ ttlMs, maxEntries = 256, now = Date.now }: ReadCacheOptions): ReadCache<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(key, load) {
      if (ttlMs <= 0) return load();
      const found = entries.get(key);
      if (found !== undefined && now() - found.at < ttlMs) return found.value;
      entries.delete(key);
      const value = load();
      entries.set(key, { at: now(), value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      // A Map keeps insertion order: the first key is the oldest.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
  };
}
