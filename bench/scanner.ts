import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SCANNER_BENCH_SNAPSHOT } from '../src/scanner/bench-snapshot.ts';
import { readSnapshotFile, snapshotFileText } from '../src/market/snapshot.ts';
import { DEFAULT_WARMUP_BLOCKS, runScannerBench } from '../src/scanner/bench.ts';
import { synthesize } from '../src/synth/synthesize.ts';

// `npm run bench -- scanner [--snapshot FILE] [--changed N] [--rounds N] [--seed N] [--top K] [--warmup N]
//   [--repeat N] [--window N] [--synth v2|v3 --pools N --synth-seed S]`: issue 6's scanner benchmark on the 10,773-pair Ethereum
// snapshot by default; with --synth, on a synthetic universe grown from --snapshot (default: the
// Ethereum pairs for v2, the Arbitrum snapshot for v3; written to a temporary file first, untimed,
// so the cold figure includes reading it as for a real snapshot). --repeat N runs it N times and adds
// the per-block least wall time over the runs (repeatMinP50Us / repeatMinP99Us: what is left of a
// block once other work on a shared machine is filtered out). --warmup defaults to 3,000 blocks (the
// JIT's tier-up, src/scanner/bench.ts); the first 1,000 of them are reported apart (startP99Us).
// --window N adds the p99 of each N timed blocks in order (windowP99Us). Between blocks (untimed) the
// young generation is collected when the next block would likely fill it, as the engine does
// (src/util/idle-collect.ts); --no-idle-collect leaves every collection to V8. Prints one JSON line.
const snapshots = new URL('../../shared/data/snapshots/', import.meta.url);
const { values } = parseArgs({
  options: {
    snapshot: { type: 'string' },
    changed: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    top: { type: 'string', default: '10' },
    warmup: { type: 'string', default: String(DEFAULT_WARMUP_BLOCKS) },
    repeat: { type: 'string', default: '1' },
    window: { type: 'string', default: '0' },
    'no-idle-collect': { type: 'boolean', default: false },
    synth: { type: 'string' },
    pools: { type: 'string' },
    'synth-seed': { type: 'string', default: '1' },
    json: { type: 'boolean', default: true },
  },
});
const kind = values.synth;
if (kind !== undefined && kind !== 'v2' && kind !== 'v3') throw new Error(`--synth must be v2 or v3, got ${kind}`);
// --snapshot defaults to DEFAULT_SCANNER_BENCH_SNAPSHOT (the same as orion bench scanner's), or to arbitrum with --synth v3.
let path = values.snapshot ?? (kind === 'v3' ? new URL('arbitrum-uniswap-2024-11-01.json', snapshots).pathname : DEFAULT_SCANNER_BENCH_SNAPSHOT);
let synthetic: Record<string, number> = {};
if (kind !== undefined) {
  const { snapshot: source } = await readSnapshotFile(path);
  const { snapshot, stats } = synthesize(source, { kind, pools: Number(values.pools ?? source.pools.length), seed: Number(values['synth-seed']) });
  path = join(tmpdir(), `orion-bench-synth-${kind}-${stats.pools}-${values['synth-seed']}-${process.pid}.json`);
  // The file `orion snapshot synth` writes for the same universe (ASCII, as the real snapshots).
  writeFileSync(path, snapshotFileText(snapshot));
  synthetic = { tokens: stats.tokens, v3Pools: stats.v3 };
}
const result = await runScannerBench({
  snapshot: path,
  changed: Number(values.changed),
  rounds: Number(values.rounds),
  seed: Number(values.seed),
  top: Number(values.top),
  warmup: Number(values.warmup),
  repeat: Number(values.repeat),
  window: Number(values.window),
  idleCollect: !values['no-idle-collect'],
});
if (kind !== undefined) rmSync(path);
process.stdout.write(`${JSON.stringify({ ...(kind === undefined ? {} : { synth: kind }), ...synthetic, ...result })}\n`);
