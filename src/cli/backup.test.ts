import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { loadMigrations, openStore } from '../store/index.ts';
import { freshPgliteDataDir } from '../store/test-store.ts';
import { fillAwkwardRows } from '../ops/backup/testing/awkward-table.ts';

/** Runs `orion ...args` in this process with ORION_DATA_DIR = dataDir; returns the exit code and output. */
async function orion(dataDir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const saved = process.env['ORION_DATA_DIR'];
  process.env['ORION_DATA_DIR'] = dataDir;
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += chunk.toString()), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += chunk.toString()), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    if (saved === undefined) delete process.env['ORION_DATA_DIR'];
    else process.env['ORION_DATA_DIR'] = saved;
  }
}

describe('orion backup / orion restore (PGlite under ORION_DATA_DIR)', async () => {
  delete process.env['DATABASE_URL'];
  const source = await freshPgliteDataDir();
  const target = await freshPgliteDataDir();
  const folder = mkdtempSync(join(tmpdir(), 'orion-cli-backup-'));
  const file = join(folder, 'orion.jsonl');
  const known = loadMigrations();
  afterAll(() => [source, target, folder].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('backs up, restores into an empty data folder, and refuses a second restore without --force', async () => {
    expect((await orion(source, ['migrate'])).code).toBe(0);
    const store = await openStore({ dataDir: source });
    await fillAwkwardRows(store, 0);
    await store.close();

    const backup = await orion(source, ['backup', '--out', file]);
    expect(backup).toMatchObject({ code: 0, err: '' });
    // Rows: one per migration, plus 2 settings, 1 chain checkpoint, 1 market_sync.
    const rows = known.length + 4;
    const version = known.at(-1)!.version;
    expect(backup.out).toMatch(new RegExp(`^backup .*orion\\.jsonl: \\d+ tables, ${rows} rows, \\d+ bytes, schema version ${version}\n$`));

    const restore = await orion(target, ['restore', '--in', file, '--json']);
    expect(restore.code).toBe(0);
    expect(JSON.parse(restore.out)).toMatchObject({ rows, migrated: known.map((m) => m.version), schemaVersion: version });

    const again = await orion(target, ['restore', '--in', file]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^orion: the database is not empty: table \w+ holds rows; .*--force/);
    expect((await orion(target, ['restore', '--in', file, '--force'])).code).toBe(0);
  });

  it('a missing file is bad input (exit 2) naming it', async () => {
    const result = await orion(target, ['restore', '--in', join(folder, 'nope.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`orion: backup file ${join(folder, 'nope.jsonl')} does not exist\n`);
  });

  it('while the server holds the PGlite folder, a restore is refused, even with --force, and nothing changes', async () => {
    const before = await openStore({ dataDir: target });
    const rows = (await before.query<{ n: bigint }>('select count(*) as n from schema_migrations')).rows[0]!.n;
    await before.close();
    const holder = await openStore({ dataDir: target });
    try {
      const result = await orion(target, ['restore', '--in', file, '--force']);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/holds this PGlite database\. Either stop the server \(SIGTERM\) and run this again \(a restore needs the database to itself\)/);
      expect((await holder.query<{ n: bigint }>('select count(*) as n from schema_migrations')).rows[0]!.n).toBe(rows);
    } finally {
      await holder.close();
    }
  });

  it('while the server holds the PGlite folder, says how to get a backup', async () => {
    const holder = await openStore({ dataDir: source });
    try {
      const result = await orion(source, ['backup', '--out', join(folder, 'other.jsonl')]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/holds this PGlite database\. Either stop the server \(SIGTERM\) and run this again, or let the server take the backup: POST \/api\/v1\/ops\/backup/);
    } finally {
      await holder.close();
    }
  });
});
