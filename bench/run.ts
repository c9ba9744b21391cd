import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run bench -- NAME [args]` runs bench/NAME.ts; with no name, lists them.
// Every benchmark prints JSON lines on stdout; docs/BENCHMARKS.md records the figures.
const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [args]\n`);
  process.exit(name === undefined ? 0 : 2);
}
process.argv = [process.argv[0]!, join(here, `${name}.ts`), ...rest];
await import(join(here, `${name}.ts`));
