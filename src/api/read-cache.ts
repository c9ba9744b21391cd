/**
 * A short-lived cache of read results, keyed by the request's query: for a list many clients
 * poll at once (every dashboard asks for the newest opportunities), one database read per key
 * per `ttlMs` serves them all. Concurrent misses share one read (single flight); a failed read
 * is not kept. Entries beyond `maxEntries` push out the oldest, so odd queries cannot grow it.
 *
 * Past `ttlMs`, the last value is still served for up to another `ttlMs` while one refresh runs
 * behind it (stale while revalidate): the request that finds a page expired no longer waits for
 * the read, the row conversion and the serialisation — nor does every request queued behind it
 * (at 1,000 requests a second that wait was the API's tail, docs/BENCHMARKS.md). So what a
 * client sees is at most `ttlMs` older than the ledger, or `2 × ttlMs` while a refresh is under
 * way; an entry older than that is read afresh before it is served.
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

interface Entry<T> {
  /** When the read that produced `value` started (the data is as of then). */
  at: number;
  value: Promise<T>;
  /** Whether `value` has resolved (only a resolved value is served stale). */
  ready: boolean;
  /** Whether a refresh of this entry is under way. */
  refreshing: boolean;
}

/** A cache; `ttlMs` 0 reads every time. */
export function createReadCache<T>({ ttlMs, maxEntries = 256, now = Date.now }: ReadCacheOptions): ReadCache<T> {
  const entries = new Map<string, Entry<T>>();

  /** Starts a read of `key`: a miss stores it at once (single flight); a refresh of `stale` replaces it once resolved. */
  const read = (key: string, load: () => Promise<T>, stale: Entry<T> | undefined): Promise<T> => {
    const entry: Entry<T> = { at: now(), value: load(), ready: false, refreshing: false };
    entry.value.then(
      () => {
        entry.ready = true;
        // A refresh replaces the stale entry only once it has something to serve.
        if (stale !== undefined && entries.get(key) === stale) entries.set(key, entry);
      },
      () => {
        if (stale !== undefined) stale.refreshing = false;
        else if (entries.get(key) === entry) entries.delete(key);
      },
    );
    if (stale === undefined) {
      entries.set(key, entry);
      // A Map keeps insertion order: the first key is the oldest.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    }
    return entry.value;
  };

  return {
    get(key, load) {
      if (ttlMs <= 0) return load();
      const found = entries.get(key);
      const age = found === undefined ? Infinity : now() - found.at;
      if (found !== undefined && age < ttlMs) return found.value;
      if (found !== undefined && found.ready && age < 2 * ttlMs) {
        if (!found.refreshing) {
          found.refreshing = true;
          void read(key, load, found).catch(() => undefined); // a failed refresh keeps the stale value until it is too old
        }
        return found.value;
      }
      entries.delete(key);
      return read(key, load, undefined);
    },
  };
}
