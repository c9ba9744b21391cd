import { parseArgs } from 'node:util';
import { DEFAULT_SCANNER_BENCH_SNAPSHOT } from '../src/scanner/bench-snapshot.ts';
import { runScannerBench } from '../src/scanner/bench.ts';

// `npm run bench -- scanner [--snapshot FILE] [--changed N] [--rounds N] [--seed N] [--top K] [--warmup N]`: issue 6's
// scanner benchmark on the 10,773-pair Ethereum snapshot by default; prints one JSON line.
const { values } = parseArgs({
  options: {
    snapshot: { type: 'string', default: DEFAULT_SCANNER_BENCH_SNAPSHOT },
    changed: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    top: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '100' },
    json: { type: 'boolean', default: true },
  },
});
const result = await runScannerBench({
  snapshot: values.snapshot,
  changed: Number(values.changed),
  rounds: Number(values.rounds),
  seed: Number(values.seed),
  top: Number(values.top),
  warmup: Number(values.warmup),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
