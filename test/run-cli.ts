import { vi } from 'vitest';
import { main } from '../src/cli.ts';

/** Runs `orion ...args` in this process, capturing what it writes: exit code, stdout, stderr. */
export async function runCli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += c.toString(); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += c.toString(); return true; });
  try {
    return { code: await main([...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
