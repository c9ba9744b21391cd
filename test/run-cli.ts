import { vi } from 'vitest';
import { main } from '../src/cli.ts';

/** Runs `orion ...args` in this process, capturing what it writes: exit code, stdout, stderr (as `out`/`err` and `stdout`/`stderr`). */
export async function runCli(args: readonly string[]): Promise<{ code: number; out: string; err: string; stdout: string; stderr: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += c.toString(); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += c.toString(); return true; });
  try {
    const code = await main([...args]);
    return { code, out, err, stdout: out, stderr: err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
