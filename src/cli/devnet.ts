import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_SNAPSHOT_PATH, startDevnet, type DevnetOptions } from '../devnet/devnet.ts';
import { devnetCacheDir } from '../ops/data-dir.ts';
import { exportSnapshot, writeSnapshotFile } from '../devnet/export.ts';
import { nextStopSignal } from './stop-signal.ts';

/**
 * `orion devnet`: the local chain on its own — anvil on loopback with the real Uniswap
 * contracts, seeded from a snapshot (the bundled Base snapshot by default), optionally with
 * noise trades — printing the RPC URL and addresses, running until Ctrl-C.
 */

interface DevnetFlags {
  snapshot?: string;
  blockTime?: string;
  flow?: boolean;
  flowSeed?: string;
  flowRate?: string;
  flowSize?: string;
  export?: string;
  cacheDir?: string;
  cache: boolean;
  json?: boolean;
}

function positiveNumber(flag: string, value: string, integer: boolean, allowZero = false): number {
  const parsed = Number(value);
  const tooSmall = allowZero ? parsed < 0 : parsed <= 0;
  if (value.trim() === '' || !Number.isFinite(parsed) || tooSmall || (integer && !Number.isSafeInteger(parsed))) {
    const kind = `${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}`;
    throw new InputError(`${flag} must be a ${kind}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** Registers `orion devnet`. */
export function register(program: Command): void {
  program
    .command('devnet')
    .option('--snapshot <file>', 'orion.pools/v1 snapshot to seed (default: the bundled Base snapshot)')
    .option('--block-time <seconds>', 'mine a block every N seconds (default: a block per transaction)')
    .option('--flow', 'send random noise swaps every block so prices drift')
    .option('--flow-seed <n>', 'seed of the noise flow (same seed, same trades)', '1')
    .option('--flow-rate <n>', 'noise swaps per block', '2')
    .option('--flow-size <bps>', 'largest noise swap, in basis points of the pool reserve of the input token', '50')
    .option('--export <file>', 'write the local pools as orion.pools/v1 once seeded and again on exit')
    .option('--cache-dir <dir>', 'folder of the seeded-state cache (default: ORION_DATA_DIR/devnet-cache, the one `orion start` uses)')
    .option('--no-cache', 'seed afresh and do not cache the state')
    .option('--json', 'print one JSON document instead of a table')
    .action(async (flags: DevnetFlags) => {
      const options: DevnetOptions = { cacheDir: flags.cache ? (flags.cacheDir ?? devnetCacheDir(loadConfig().dataDir)) : false };
      if (flags.blockTime !== undefined) options.blockTime = positiveNumber('--block-time', flags.blockTime, false);
      if (flags.flow === true) {
        options.flow = {
          seed: positiveNumber('--flow-seed', flags.flowSeed ?? '1', true, true),
          swapsPerBlock: positiveNumber('--flow-rate', flags.flowRate ?? '2', true),
          maxSizeBps: positiveNumber('--flow-size', flags.flowSize ?? '50', true),
        };
      }
      const snapshotPath = flags.snapshot ?? DEFAULT_SNAPSHOT_PATH;
      const { snapshot, warnings } = await readSnapshotFile(snapshotPath);
      for (const warning of warnings) process.stderr.write(`orion: warning: ${warning}\n`);

      const stopSignal = nextStopSignal();
      const started = Date.now();
      const devnet = await startDevnet({ ...options, snapshot });
      try {
        if (flags.export !== undefined) await writeSnapshotFile(flags.export, await exportSnapshot(devnet.clients, devnet.seeded));
        const addresses: Record<string, string> = { ...devnet.deployment, seeder: devnet.seeded.seeder, lens: devnet.seeded.lens };
        const summary = {
          rpcUrl: devnet.anvil.rpcUrl,
          wsUrl: devnet.anvil.wsUrl,
          chainId: devnet.seeded.localSnapshot.chainId,
          snapshot: snapshotPath,
          fromCache: devnet.fromCache,
          startMs: Date.now() - started,
          deployer: devnet.clients.accounts[0]!.address,
          contracts: addresses,
          tokens: Object.fromEntries(devnet.seeded.tokenAddress),
          pools: Object.fromEntries(devnet.seeded.poolAddress),
        };
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
        } else {
          const rows: [string, string][] = [
            ['RPC', summary.rpcUrl], ['WebSocket', summary.wsUrl], ['chain id', String(summary.chainId)],
            ['snapshot', `${snapshotPath} (${devnet.seeded.localSnapshot.pools.length} pools, ${devnet.seeded.tokenAddress.size} tokens)`],
            ['state', `${devnet.fromCache ? 'loaded from cache' : 'seeded'} in ${summary.startMs} ms`],
            ['deployer', summary.deployer],
            ...Object.entries(addresses),
            ['flow', options.flow === undefined ? 'off' : `seed ${options.flow.seed}, ${options.flow.swapsPerBlock} swaps per block, up to ${options.flow.maxSizeBps} bps of a reserve`],
          ];
          const width = Math.max(...rows.map(([k]) => k.length));
          for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
          process.stdout.write('running; Ctrl-C to stop\n');
        }
        const signal = await stopSignal;
        process.stderr.write(`orion: ${signal}: stopping the local chain\n`);
        await devnet.flow?.stop();
        if (flags.export !== undefined) await writeSnapshotFile(flags.export, await exportSnapshot(devnet.clients, devnet.seeded));
      } finally {
        await devnet.stop();
      }
    });
}
