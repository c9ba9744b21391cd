// Whether the compiled tree (dist/, written by bin/compile.mjs) may run: only while every source
// it was compiled from is still there with the size and modification time it had then. Any edit,
// checkout or deletion under src/ makes it stale, and bin/orion.js runs the sources through tsx
// instead: the command never runs code older than its sources. A source added since is harmless:
// nothing compiled imports it unless an edited (hence stale) file does.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SRC = fileURLToPath(new URL('../src/', import.meta.url));
export const DIST = fileURLToPath(new URL('../dist', import.meta.url));
export const MANIFEST = fileURLToPath(new URL('../dist/manifest.json', import.meta.url));

/** What the manifest records of a source: size and mtime (ms), compared for equality. */
export function sourceStamp(stats) {
  return [stats.size, stats.mtimeMs];
}

/** The URL of dist/cli.js when dist/ matches every source it was compiled from, else undefined. */
export function compiledEntry() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined; // never compiled (or a half-removed tree): run the sources
  }
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.files)) {
    let stats;
    try {
      stats = statSync(SRC + file);
    } catch {
      return undefined;
    }
    if (stats.size !== size || stats.mtimeMs !== mtimeMs) return undefined;
  }
  return pathToFileURL(`${DIST}/cli.js`).href;
}
