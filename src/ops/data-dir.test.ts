import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWritableDataDir } from './data-dir.ts';

const root = mkdtempSync(join(tmpdir(), 'orion-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the data folder is private to its owner', () => {
  it('a new one is made 700, and one that was open to others is closed', async () => {
    const fresh = join(root, 'deep', 'data');
    await ensureWritableDataDir(fresh);
    // Before: the umask's mode (755 here), and PGlite's files inside readable by every local user.
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    await ensureWritableDataDir(open);
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });
});
