import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendLineDurably } from './durable-append.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function fileIn(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orion-append-'));
  dirs.push(dir);
  return join(dir, 'lines.jsonl');
}

describe('appendLineDurably', () => {
  it('creates the file with the mode and appends one line per call', async () => {
    const path = fileIn();
    await appendLineDurably(path, '{"a":1}', 0o600);
    await appendLineDurably(path, '{"b":2}', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('drops a line an earlier append left cut (a crash mid-write) instead of gluing the new line to it', async () => {
    const path = fileIn();
    writeFileSync(path, '{"userId":"u1"}\n{"userId":"u2","pseud');
    await appendLineDurably(path, '{"userId":"u3"}', 0o600);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toEqual(['{"userId":"u1"}', '{"userId":"u3"}', '']);
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('a file that is only a cut line is emptied before the append', async () => {
    const path = fileIn();
    writeFileSync(path, '{"fi');
    await appendLineDurably(path, '{"file":"x"}', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('{"file":"x"}\n');
  });
});
