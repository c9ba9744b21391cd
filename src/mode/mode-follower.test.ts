import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionMode } from '../executor/executor.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { createModeFollower } from './mode-follower.ts';

// The follower over a real store: switches are what another process (or this one's API) writes,
// a new open session; the engine is the platform's callbacks, here one whose live start fails.
let db: TestStore;
beforeAll(async () => {
  db = await openTestStore('pglite');
});
afterAll(async () => {
  await db?.cleanup();
});

describe('mode follower', () => {
  it('after a restart that failed and left no engine, the next switch is still followed (back to sim brings the engine back)', async () => {
    let running: { mode: ExecutionMode; session: bigint } | undefined = { mode: 'sim', session: (await enterModeSession(db.store, 'sim', 31337)).id };
    const restarts: ExecutionMode[] = [];
    const lines: string[] = [];
    const follower = createModeFollower({
      store: db.store,
      running: () => running,
      refusal: () => null,
      say: (line) => lines.push(line),
      async restart(mode) {
        restarts.push(mode);
        running = undefined; // the platform stops the engine first
        if (mode === 'live') throw new Error('another process holds the live writer lock');
        running = { mode, session: (await enterModeSession(db.store, mode, 31337)).id };
      },
    });

    await enterModeSession(db.store, 'live', 31337); // a switch to live, stored
    await expect(follower.check()).rejects.toThrow('another process holds the live writer lock');
    expect(follower.status().note).toMatch(/could not start in live/);
    // The same failed session is not retried at every check (the timer's, every 2 s).
    await follower.check();
    expect(restarts).toEqual(['live']);

    const sim = await enterModeSession(db.store, 'sim', 31337); // the admin switches back to sim
    await follower.check();
    expect(restarts).toEqual(['live', 'sim']);
    expect(running).toEqual({ mode: 'sim', session: sim.id });
    expect(follower.status()).toMatchObject({ stored: 'sim', note: null, followed: 1 });
  });
});
