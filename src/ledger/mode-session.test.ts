import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireWriterLock, liveWriterHeld } from '../executor/live/writer-lock.ts';
import { openTestStore, testBackends, type TestStore } from '../store/test-store.ts';
import { enterModeSession, openSessionOf } from './mode-session.ts';

const CHAIN = 8453;
const hotKey = privateKeyToAccount(`0x${'5'.repeat(64)}`).address;

// Two processes on one PostgreSQL: a live instance (its writer lock held through its own
// connection) and an instance booting in sim (another store on the same schema).
describe.skipIf(!testBackends().includes('postgres'))('mode sessions on a shared PostgreSQL', () => {
  let db: TestStore;
  beforeAll(async () => {
    db = await openTestStore('postgres');
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('an instance booting in sim joins the live session while a live executor holds its writer lock, and closes it once none does', async () => {
    const lock = await acquireWriterLock(db.store, CHAIN, hotKey);
    const live = await enterModeSession(db.store, 'live', CHAIN, 'switch');
    let released = false;
    try {
      // Before: the sim start closed the live session, and the live instance followed it to sim.
      const joined = await enterModeSession(db.store, 'sim', CHAIN, 'boot', (tx) => liveWriterHeld(tx, CHAIN));
      expect(joined.id).toBe(live.id);
      expect((await openSessionOf(db.store))?.id).toBe(live.id);
      await lock.release();
      released = true;
      // The live process is gone (its lock released): a sim start closes its session, as the
      // fail-safe restart of a lone live instance needs.
      const sim = await enterModeSession(db.store, 'sim', CHAIN, 'boot', (tx) => liveWriterHeld(tx, CHAIN));
      expect(sim.mode).toBe('sim');
      expect(sim.id).not.toBe(live.id);
      expect((await openSessionOf(db.store))?.id).toBe(sim.id);
    } finally {
      if (!released) await lock.release();
    }
  });
});
