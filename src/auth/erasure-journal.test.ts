import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApiServices } from '../api/open-services.ts';
import { loadConfig } from '../config.ts';
import { openTestStore } from '../store/test-store.ts';
import { erasureJournal, type ErasureEntry } from './erasure.ts';

const dir = mkdtempSync(join(tmpdir(), 'orion-erasure-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (userId: string): ErasureEntry => ({ userId, pseudonyms: [`user:${userId}`], erasedAt: '2026-12-04T05:00:00.000Z' });

describe('the erasure journal after an append cut by a crash', () => {
  it('the next erasure is read back, and the journal stays readable for a restore', async () => {
    const journal = erasureJournal(dir);
    await journal.append(entry('u1'));
    // u2's append stopped part-way (its erasure's transaction never committed).
    appendFileSync(journal.file, '{"userId":"u2","pseud');
    await journal.append(entry('u3'));
    // Glued to the cut bytes, u3's line was unreadable and read() refused the whole journal
    // ("the file is damaged"), so `orion restore` refused to run.
    expect((await journal.read()).map((e) => e.userId)).toEqual(['u1', 'u3']);
  });
});

describe('the erasure journal exists from the server\'s first start', () => {
  it('openApiServices creates it empty (0600), so a restore can tell a missing journal from "nobody erased"', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-erasure-start-'));
    const db = await openTestStore('pglite');
    try {
      const journal = erasureJournal(dataDir);
      expect(await journal.exists()).toBe(false);
      await openApiServices(db.store, loadConfig({ ORION_DATA_DIR: dataDir }, { cwd: '/' }), () => undefined);
      expect(await journal.exists()).toBe(true);
      expect(statSync(journal.file).mode & 0o777).toBe(0o600);
      expect(await journal.read()).toEqual([]);
    } finally {
      await db.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
