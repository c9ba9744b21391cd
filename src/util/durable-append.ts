import { appendFile, open } from 'node:fs/promises';

/**
 * Appends `line` and a newline to the file at `path` (created with `mode` when absent) and
 * fsyncs it: once this resolves the line survives a crash. For the append-only JSON-lines files
 * kept beside the data (the backups' order, the erasure journal).
 */
export async function appendLineDurably(path: string, line: string, mode: number): Promise<void> {
  await appendFile(path, `${line}\n`, { mode });
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
