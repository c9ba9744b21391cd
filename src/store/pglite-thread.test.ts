import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from './pglite-store.ts';
import type { Store } from './types.ts';

// The embedded database runs on a thread of its own (pglite-thread-driver.ts): these hold the
// properties that move buys, which the shared store tests (store.test.ts, both backends) cannot see.

describe('PGlite on its own thread', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-pglite-thread-'));
    store = await openPgliteStore(dir);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a long statement leaves this thread free: timers keep firing while it runs', async () => {
    // The longest gap between ticks of a 2 ms interval, measured on this thread while the query runs.
    let last = performance.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 2);
    const start = performance.now();
    const { rows } = await store.query<{ n: bigint }>('select count(*) as n from generate_series(1, 1500000) as g cross join lateral (select g % 7) as m(r)');
    const end = performance.now();
    clearInterval(ticker);
    const took = end - start;
    longestGap = Math.max(longestGap, end - last); // a loop held to the end never ticked at all
    expect(rows[0]?.n).toBe(1_500_000n);
    // The statement itself must be long enough to tell a blocked thread from a free one.
    expect(took).toBeGreaterThan(150);
    // On the calling thread the loop would have been held for the whole statement.
    expect(longestGap).toBeLessThan(took / 3);
  });

  it('a query issued while a transaction is open waits for it and sees what it committed', async () => {
    await store.exec('create table thread_counts (n int not null)');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = store.transaction(async (tx) => {
      await tx.query('insert into thread_counts values (1), (2)');
      await held;
      await tx.query('insert into thread_counts values (3)');
      return 'committed';
    });
    const outside = store.query<{ n: bigint }>('select count(*) as n from thread_counts');
    release();
    expect(await transaction).toBe('committed');
    expect((await outside).rows[0]?.n).toBe(3n);
  });

  it('a failed transaction leaves nothing written and its error carries the SQLSTATE', async () => {
    await store.exec('create table thread_unique (id int primary key)');
    const failure = await store
      .transaction(async (tx) => {
        await tx.query('insert into thread_unique values (1)');
        await tx.query('insert into thread_unique values (1)');
      })
      .catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe('23505');
    const { rows } = await store.query<{ n: bigint }>('select count(*) as n from thread_unique');
    expect(rows[0]?.n).toBe(0n);
  });
});

describe('PGlite thread and process exit', () => {
  it('an awaited answer and a close keep the process alive; an idle open store does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orion-pglite-exit-'));
    try {
      const storeModule = fileURLToPath(new URL('./pglite-store.ts', import.meta.url));
      // Nothing else holds the event loop: the reply and the close must still complete (exit code
      // 13 would mean a top-level await left unsettled), and the process must then end by itself
      // with the first store still open.
      const script = `const { openPgliteStore } = await import(${JSON.stringify(storeModule)});
const store = await openPgliteStore(${JSON.stringify(join(dir, 'a'))});
const { rows } = await store.query('select 41 + 1 as answer');
console.log('answer', rows[0].answer);
const closing = await openPgliteStore(${JSON.stringify(join(dir, 'b'))});
await closing.close();
console.log('closed');`;
      // execFile rejects on a non-zero exit or the timeout (a process held open by the thread).
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
      expect(stdout).toContain('answer 42');
      expect(stdout).toContain('closed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
