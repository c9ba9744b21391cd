import { open, type FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;

/**
 * Appends `line` and a newline to the file at `path` (created with `mode` when absent) and
 * fsyncs it: once this resolves the line survives a crash. For the append-only JSON-lines files
 * kept beside the data (the backups' order, the erasure journal).
 *
 * A crash or a full disk during an earlier append can leave the file ending in part of a line.
 * That append never resolved, so its line was never acknowledged (an erasure's transaction
 * commits only after its journal line is durable; a backup is recorded only once verified): the
 * cut bytes are dropped before this line is written. Appended after them instead, this line would
 * be glued to them into one line no reader can parse — the erasure journal then refuses every
 * restore, and the backups' order file loses the newest backup's line, so rotation deletes it.
 */
export async function appendLineDurably(path: string, line: string, mode: number): Promise<void> {
  const handle = await open(path, 'a+', mode);
  try {
    await dropCutLastLine(handle);
    await handle.appendFile(`${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Truncates the file after its last newline when it does not end in one (nothing when empty). */
async function dropCutLastLine(handle: FileHandle): Promise<void> {
  const { size } = await handle.stat();
  if (size === 0) return;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return;
  // The files are small (a line per erasure, per kept backup): read whole to find the line's start.
  const whole = Buffer.alloc(size);
  await handle.read(whole, 0, size, 0);
  await handle.truncate(whole.lastIndexOf(NEWLINE) + 1);
}
