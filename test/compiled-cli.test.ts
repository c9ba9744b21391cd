import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

/**
 * bin/orion.js runs the compiled tree (dist/) only while it matches every source, else the
 * sources through tsx. Checked on a throwaway project: this repository's bin/ and node_modules,
 * and a two-file src/ whose cli.ts says which file ran and what its import gave.
 */
describe('the compiled tree of bin/compile.mjs, as bin/orion.js runs it', () => {
  const project = mkdtempSync(join(tmpdir(), 'orion-compiled-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  cpSync(join(ROOT, 'bin'), join(project, 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(project, 'src'));
  const writeSources = (answer: string) => {
    writeFileSync(join(project, 'src', 'answer.ts'), `export const answer: string = '${answer}';\n`);
    writeFileSync(
      join(project, 'src', 'cli.ts'),
      "import { answer } from './answer.ts';\nexport async function main(argv: string[]): Promise<number> {\n  const { shout } = await import('./shout.ts');\n  process.stdout.write(`${import.meta.url.split('/').slice(-2).join('/')} ${shout(answer)} ${argv.join(',')}\\n`);\n  return 0;\n}\n",
    );
    writeFileSync(join(project, 'src', 'shout.ts'), 'export const shout = (text: string): string => text.toUpperCase();\n');
  };
  const orion = async (...args: string[]) => (await run(process.execPath, [join(project, 'bin', 'orion.js'), ...args])).stdout.trim();
  const compile = () => run(process.execPath, [join(project, 'bin', 'compile.mjs')]);

  it('runs the sources through tsx before any compile', async () => {
    writeSources('first');
    expect(await orion('a')).toBe('src/cli.ts FIRST a');
  });

  it('runs dist/ once compiled: static and dynamic .ts imports rewritten, same answer', async () => {
    await compile();
    expect(await orion('a', 'b')).toBe('dist/cli.js FIRST a,b');
  });

  it('runs the sources, never the older compiled code, once one source changed or went', async () => {
    writeFileSync(join(project, 'src', 'answer.ts'), "export const answer: string = 'second';\n");
    expect(await orion()).toBe('src/cli.ts SECOND');
    await compile();
    expect(await orion()).toBe('dist/cli.js SECOND');
    rmSync(join(project, 'src', 'shout.ts'));
    await expect(orion()).rejects.toThrow(/shout/); // the sources ran (and miss the file), not dist/'s copy
  });
});
