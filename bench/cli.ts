import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `npm run bench -- cli [--runs N]`: issue 15's CLI start-up figures, one JSON line per command:
// wall milliseconds of a whole `node bin/orion.js …` process (spawn to exit) and its CPU
// milliseconds (user + system, from the kernel's accounting of reaped children: what machine load
// disturbs least), min / median / max over N runs after one warm-up, beside bare `node` and node
// with tsx's loader for scale. `orion` runs the compiled tree when it is fresh (bin/orion.js):
// `"compiled": false` says it ran the sources through tsx (run `npm run compile` first).
// Quote on the bundled default snapshot (WETH/USDC V2 pair on Base, by symbol).
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    json: { type: 'boolean', default: true },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
  process.stderr.write(`bench cli: --runs must be an integer within [1, 1000], got "${values.runs}"\n`);
  process.exit(2);
}

const bin = fileURLToPath(new URL('../bin/orion.js', import.meta.url));
const snapshot = fileURLToPath(new URL('../src/devnet/default-snapshot.json', import.meta.url));
const cases: { name: string; args: string[] }[] = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'node --import tsx -e 0 (baseline)', args: ['--import', 'tsx', '-e', '0'] },
  { name: 'orion --help', args: [bin, '--help'] },
  { name: 'orion quote', args: [bin, 'quote', '--snapshot', snapshot, '--pool', '0x88a43bbdf9d098eec7bceda4e2494615dfd9bb9c', '--token-in', 'WETH', '--amount-in', '1000000000000000000'] },
];

/** CPU milliseconds (user + system) of this process's reaped children so far: cutime + cstime of /proc/self/stat. */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // clock ticks of 1/100 s
}

const { compiledEntry } = (await import(new URL('../bin/compiled-entry.mjs', import.meta.url).href)) as { compiledEntry: () => string | undefined };
const compiled = compiledEntry() !== undefined;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { min: round(sorted[0]!), median: round(sorted[Math.floor(sorted.length / 2)]!), max: round(sorted.at(-1)!) };
};

for (const { name, args } of cases) {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const cpuBefore = childrenCpuMs();
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpuMs = childrenCpuMs() - cpuBefore;
    if (result.status !== 0) {
      process.stderr.write(`bench cli: ${name} exited ${result.status}: ${result.stderr}\n`);
      process.exit(1);
    }
    if (i > 0) {
      // the first run warms the file cache
      walls.push(ms);
      cpus.push(cpuMs);
    }
  }
  const wall = stats(walls);
  const cpu = stats(cpus);
  process.stdout.write(
    `${JSON.stringify({ bench: 'cli', command: name, compiled, runs, minMs: wall.min, medianMs: wall.median, maxMs: wall.max, cpuMinMs: cpu.min, cpuMedianMs: cpu.median, cpuMaxMs: cpu.max })}\n`,
  );
}
