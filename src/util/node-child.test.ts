import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNodeChild } from './node-child.ts';

describe('runNodeChild', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-node-child-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands the child its arguments and stdin, and resolves when it exits 0', async () => {
    const out = join(dir, 'out.txt');
    const code = "require('node:fs').writeFileSync(process.argv[1], process.argv[2] + ':' + require('node:fs').readFileSync(0, 'utf8'))";
    await runNodeChild('echo', ['-e', code, out, 'arg'], 'from stdin');
    expect(readFileSync(out, 'utf8')).toBe('arg:from stdin');
  });

  it('rejects with what the child wrote on stderr, prefixed by what it was doing', async () => {
    await expect(runNodeChild('counting', ['-e', "process.stderr.write('no numbers left'); process.exitCode = 3"])).rejects.toThrow(/^counting: no numbers left$/);
  });

  it('says how the child ended when it wrote nothing', async () => {
    await expect(runNodeChild('waiting', ['-e', 'process.kill(process.pid, "SIGKILL")'])).rejects.toThrow(/^waiting: the process ended \(SIGKILL\) without a word$/);
  });
});
