import { rmSync } from 'node:fs';
import { afterAll, vi } from 'vitest';
import { main } from '../../cli.ts';
import { freshPgliteDataDir } from '../../store/test-store.ts';

/** TEST CODE — runs `orion ...args` in this process: exit code, stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += chunk.toString()), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += chunk.toString()), true));
  try {
    const code = await main(args);
    return { code: process.exitCode === 1 ? 1 : code, out, err };
  } finally {
    process.exitCode = undefined;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/**
 * TEST CODE — a fresh PGlite data folder as ORION_DATA_DIR (DATABASE_URL unset) for the CLI runs
 * of one describe block; the previous ORION_DATA_DIR comes back and the folder goes afterwards.
 */
export async function useFreshDataDir(): Promise<string> {
  const dataDir = await freshPgliteDataDir();
  const saved = process.env['ORION_DATA_DIR'];
  process.env['ORION_DATA_DIR'] = dataDir;
  delete process.env['DATABASE_URL'];
  afterAll(() => {
    if (saved === undefined) delete process.env['ORION_DATA_DIR'];
    else process.env['ORION_DATA_DIR'] = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });
  return dataDir;
}
