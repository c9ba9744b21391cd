import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readSnapshotFile, snapshotFileText } from '../market/snapshot.ts';
import { enumerateCycles } from '../scanner/cycles.ts';
import { defaultBaseTokens } from '../scanner/base-tokens.ts';
import { buildPoolTable } from '../scanner/pool-table.ts';
import { buildTokenTable } from '../scanner/tokens.ts';
import { synthesize, type SynthKind } from '../synth/synthesize.ts';

interface SynthCliOptions {
  kind: string;
  pools: string;
  seed: string;
  out: string;
  from?: string;
  json?: boolean;
}

/** Real snapshots each kind grows from by default (the project's shared data, beside the checkout). */
const DEFAULT_SOURCE: Record<SynthKind, URL> = {
  v2: new URL('../../../shared/data/snapshots/ethereum-uniswap-v2-2020-10-03.json', import.meta.url),
  v3: new URL('../../../shared/data/snapshots/arbitrum-uniswap-2024-11-01.json', import.meta.url),
};

function integerOption(name: string, value: string, max: number): number {
  if (!/^[0-9]+$/.test(value) || Number(value) > max) throw new InputError(`${name} must be an integer in [0, ${max}], got "${value}"`);
  return Number(value);
}

/**
 * `orion snapshot synth`: writes a synthetic `orion.pools/v1` universe for scale benchmarks
 * (src/synth/README.md), deterministic from the seed, and reports its pool, token and cycle
 * counts (cycles of up to 3 hops through the default bases, as `orion scan` finds them).
 */
export function registerSynth(snapshot: Command): void {
  snapshot
    .command('synth')
    .description('write a SYNTHETIC orion.pools/v1 universe grown from a real snapshot (scale benchmarks)')
    .requiredOption('--kind <kind>', 'v2 (real pairs, parallel venues, token families) or v3 (every V3 pool on other venues, token families)')
    .requiredOption('--pools <n>', 'pools in total')
    .requiredOption('--seed <n>', 'seed of every random choice (same seed, same bytes)')
    .requiredOption('--out <file>', 'file to write')
    .option('--from <file>', 'real snapshot to grow from (default: the shared Ethereum V2 or Arbitrum snapshot)')
    .option('--json', 'print one JSON document instead of a sentence')
    .action(async (options: SynthCliOptions) => {
      if (options.kind !== 'v2' && options.kind !== 'v3') throw new InputError(`--kind must be v2 or v3, got "${options.kind}"`);
      const pools = integerOption('--pools', options.pools, 10_000_000);
      if (pools < 1) throw new InputError('--pools must be at least 1');
      const seed = integerOption('--seed', options.seed, 0xffffffff);
      const from = options.from ?? DEFAULT_SOURCE[options.kind].pathname;
      const { snapshot: source } = await readSnapshotFile(from);
      const { snapshot, stats } = synthesize(source, { kind: options.kind, pools, seed });
      await writeFile(options.out, snapshotFileText(snapshot));
      const tokens = buildTokenTable(snapshot.pools);
      const table = buildPoolTable(snapshot.pools, tokens);
      const cycles = enumerateCycles(table, tokens.tokens.length, defaultBaseTokens(tokens), 3).count;
      const report = { out: options.out, from, ...stats, cycles };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      process.stdout.write(
        `wrote ${options.out} (SYNTHETIC): ${stats.pools} pools (${stats.v2} V2, ${stats.v3} V3), ${stats.tokens} tokens, ${cycles} cycles of up to 3 hops; ` +
          `${stats.real} real, ${stats.venues} venue copies, ${stats.familyPools} in ${stats.families} token families\n`,
      );
    });
}
