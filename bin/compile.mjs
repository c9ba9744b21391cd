#!/usr/bin/env node
// `npm run compile` (and `prepare`, which `npm install` runs on a clone): compiles src/ into
// dist/ so the `orion` command starts without the TypeScript loader (issue 15: tsx's loader alone
// costs ~0.3 s of a ~0.4 s `orion --help`). dist/ mirrors src/ file for file at the same depth,
// so every path a module builds from import.meta.url (migrations, the default snapshot, the
// seeding sources the chain cache hashes, ../../../shared) resolves as it does from src/: each
// .ts is transpiled to .js beside a copy of itself, every other file is copied. Tests are left
// out. dist/manifest.json records each source's size and mtime; bin/orion.js runs dist/ only
// while every source still matches it (bin/compiled-entry.mjs), else the sources through tsx.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, MANIFEST, SRC, sourceStamp } from './compiled-entry.mjs';

// TypeScript is a development dependency: an install without it (--omit=dev) keeps no compiled
// tree, and `orion` runs the sources through tsx, as it does whenever dist/ is stale.
let ts;
try {
  ts = (await import('typescript')).default;
} catch {
  process.stderr.write('compile: typescript is not installed; orion will run the sources through tsx (slower start)\n');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(0);
}

const COMPILER_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};

/** Every file under `dir` (relative to SRC) that the running platform may load: no tests, no READMEs. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.test\.ts$|\.md$/.test(entry.name) ? [] : [relative(SRC, path)];
  });
}

const building = `${DIST}.building-${process.pid}`;
rmSync(building, { recursive: true, force: true });
const files = {};
for (const file of sources(SRC)) {
  const from = join(SRC, file);
  const to = join(building, file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  if (file.endsWith('.ts')) {
    const { outputText, diagnostics } = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: COMPILER_OPTIONS, fileName: from, reportDiagnostics: true });
    if (diagnostics?.length) {
      process.stderr.write(`compile: ${file}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}\n`);
      process.exit(1);
    }
    writeFileSync(to.replace(/\.ts$/, '.js'), outputText);
  }
  files[file] = sourceStamp(statSync(from));
}
writeFileSync(join(building, relative(DIST, MANIFEST)), `${JSON.stringify({ typescript: ts.version, files })}\n`);
// Swapped in whole: a run never sees half a tree (a failed compile leaves the old one, which the
// manifest check then refuses as soon as a source differs).
rmSync(DIST, { recursive: true, force: true });
renameSync(building, DIST);
if (process.argv.includes('--verbose')) process.stdout.write(`compile: ${Object.keys(files).length} files into ${relative(fileURLToPath(new URL('..', import.meta.url)), DIST)}/\n`);
