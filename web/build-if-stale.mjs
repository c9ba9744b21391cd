#!/usr/bin/env node
// `npm start` runs this first (prestart): builds the dashboard into web/dist when the build is
// missing or older than any of its sources, so the README's first command brings up everything.
// The check reads web/dist/build-inputs.json (every source file the last build used, written by
// vite.config.ts) and walks web/src for files added since: a few milliseconds when fresh.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const web = import.meta.dirname;
const dist = join(web, 'dist');

/** Why the build must be (re)made, or null when it is fresh. */
export function staleReason() {
  const index = join(dist, 'index.html');
  const manifest = join(dist, 'build-inputs.json');
  if (!existsSync(index) || !existsSync(manifest)) return 'the dashboard is not built';
  const builtAt = statSync(index).mtimeMs;
  let files;
  try {
    files = JSON.parse(readFileSync(manifest, 'utf8')).files;
  } catch {
    return 'web/dist/build-inputs.json is unreadable';
  }
  for (const file of files) {
    const path = join(web, file);
    if (!existsSync(path)) return `${file} is gone since the last build`;
    if (statSync(path).mtimeMs > builtAt) return `${file} changed since the last build`;
  }
  const known = new Set(files);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found !== null) return found;
      } else if (!known.has(relative(web, path)) && statSync(path).mtimeMs > builtAt) {
        return `${relative(web, path)} is new since the last build`;
      }
    }
    return null;
  };
  return walk(join(web, 'src'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reason = staleReason();
  if (reason !== null) {
    process.stdout.write(`orion: building the dashboard (${reason})…\n`);
    let build;
    try {
      ({ build } = await import('vite'));
    } catch {
      process.stderr.write('orion: cannot build the dashboard: Vite is not installed (npm install, with dev dependencies); the API starts without it\n');
      process.exit(0);
    }
    // The production build whatever NODE_ENV the caller has (vitest sets "test"): Vite keeps an
    // inherited NODE_ENV and would bundle React's development build (twice the bytes) into the
    // web/dist that `npm start` then serves as fresh.
    process.env.NODE_ENV = 'production';
    const started = Date.now();
    await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
    process.stdout.write(`orion: dashboard built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
