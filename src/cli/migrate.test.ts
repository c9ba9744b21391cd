import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { openStore, StoreLockedError } from '../store/index.ts';
import { register } from './migrate.ts';
import { useFreshDataDir } from './testing/run-cli.ts';

/** Runs `orion migrate ...args` in this process and returns what it printed. */
async function run(args: string[]): Promise<string> {
  const program = new Command('orion').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await program.parseAsync(['migrate', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('orion migrate (PGlite under ORION_DATA_DIR)', async () => {
  const dataDir = await useFreshDataDir();

  it('lists pending migrations with --status, applies them, then reports them applied', async () => {
    const before = JSON.parse(await run(['--status', '--json'])) as { backend: string; migrations: Array<{ status: string }> };
    expect(before.backend).toBe('pglite');
    expect(before.migrations.length).toBeGreaterThan(0);
    expect(before.migrations.every((m) => m.status === 'pending')).toBe(true);

    const table = await run([]);
    expect(table).toMatch(/^pglite .*\/pglite\nversion +name +status\n1 +0001_settings_and_checkpoint\.sql +applied\n/);

    const again = JSON.parse(await run(['--json'])) as { migrations: Array<{ status: string }> };
    expect(again.migrations.every((m) => m.status === 'already applied')).toBe(true);
  });

  it('stops with StoreLockedError while the folder is open elsewhere', async () => {
    const holder = await openStore({ dataDir });
    try {
      await expect(run([])).rejects.toBeInstanceOf(StoreLockedError);
    } finally {
      await holder.close();
    }
  });
});
