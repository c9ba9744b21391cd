import type { Command } from 'commander';
import { DEFAULT_SCANNER_BENCH_SNAPSHOT } from '../scanner/bench-snapshot.ts';
import { DEFAULT_WARMUP_BLOCKS, runScannerBench } from '../scanner/bench.ts';
import { parseIntegerOption } from './scan.ts';

/**
 * `orion bench <name>`: the benchmarks the CLI can run in-process (each prints one JSON line).
 * `bench scanner` is issue 6's: cold scan of a snapshot, then per-block refreshes.
 */
export function register(program: Command): void {
  const bench = program.command('bench');
  bench
    .command('scanner')
    .description('scanner: cold index+sizing of a snapshot, then rounds of N changed pools per block')
    .option('--snapshot <file>', 'pool snapshot (orion.pools/v1)', DEFAULT_SCANNER_BENCH_SNAPSHOT)
    .option('--changed <n>', 'pools perturbed per block', '50')
    .option('--rounds <n>', 'blocks simulated', '1000')
    .option('--seed <n>', 'RNG seed for the perturbations', '1')
    .option('--top <n>', 'opportunities taken (sized exactly) per block, as the engine does', '10')
    .option('--warmup <n>', 'blocks before the timed ones (V8 tiering the hot paths up; the first 1,000 are reported apart)', String(DEFAULT_WARMUP_BLOCKS))
    .option('--json', 'print the JSON line (the only output format; accepted for symmetry)')
    .action(async (options: { snapshot: string; changed: string; rounds: string; seed: string; top: string; warmup: string }) => {
      const result = await runScannerBench({
        snapshot: options.snapshot,
        changed: Number(parseIntegerOption('--changed', options.changed, 1n, 100_000n)),
        rounds: Number(parseIntegerOption('--rounds', options.rounds, 1n, 1_000_000n)),
        seed: Number(parseIntegerOption('--seed', options.seed, 0n, 4_294_967_295n)),
        top: Number(parseIntegerOption('--top', options.top, 1n, 10_000n)),
        warmup: Number(parseIntegerOption('--warmup', options.warmup, 0n, 1_000_000n)),
      });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
