import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { initialisePgliteFolder, isInitialised } from './pglite-first-init.ts';

describe('initialisePgliteFolder: initdb in a child process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-pglite-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves an initialised database that this process opens and uses, and does nothing the second time', async () => {
    const folder = join(dir, 'db');
    expect(isInitialised(folder)).toBe(false);
    await initialisePgliteFolder(folder, ['shared_buffers = 32MB']);
    expect(isInitialised(folder)).toBe(true);
    const db = await PGlite.create(folder);
    try {
      await db.exec('create table t (x int); insert into t values (41), (1)');
      expect((await db.query<{ s: number }>('select sum(x)::int as s from t')).rows).toEqual([{ s: 42 }]);
    } finally {
      await db.close();
    }
    await initialisePgliteFolder(folder, ['shared_buffers = 32MB']);
    const reopened = await PGlite.create(folder);
    try {
      expect((await reopened.query<{ s: number }>('select sum(x)::int as s from t')).rows).toEqual([{ s: 42 }]);
    } finally {
      await reopened.close();
    }
  });

  it('rejects with the child process\'s error when the folder cannot be created', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    await expect(initialisePgliteFolder(join(file, 'db'), [])).rejects.toThrow(/ENOTDIR|not a directory/i);
  });
});
