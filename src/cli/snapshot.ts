import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createRpcPool } from '../chain/rpc-pool.ts';
import { InputError } from '../errors.ts';
import { snapshotFromChain, type ChainSnapshotSource, type PoolIdentity } from '../market/chain-snapshot.ts';
import { parseSnapshot, snapshotToJson, type HexAddress } from '../market/snapshot.ts';
import { registerSynth } from './snapshot-synth.ts';

interface SnapshotOptions {
  rpc?: string;
  out?: string;
  pools?: string;
  factory?: string;
  fromBlock?: string;
  v2Fee: string;
  json?: boolean;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The pools of a `--pools` file: an orion.pools/v1 snapshot (re-read), a JSON array or lines of addresses. */
export async function poolsFromFile(path: string, v2Fee: number): Promise<ChainSnapshotSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`--pools ${path}: cannot read the file (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const { snapshot } = parseSnapshot(json, path);
    const pools: PoolIdentity[] = snapshot.pools.map((p) => ({
      protocol: p.protocol, address: p.address, token0: p.token0.address, token1: p.token1.address, fee: p.fee,
      ...(p.protocol === 'uniswap-v3' ? { tickSpacing: p.tickSpacing } : {}),
    }));
    return { kind: 'identities', pools };
  }
  const entries = Array.isArray(json) ? json.map(String) : text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
  entries.forEach((entry, i) => {
    if (!ADDRESS.test(entry)) throw new InputError(`--pools ${path}: entry ${i + 1} "${entry}" is not a 20-byte hex address`);
  });
  if (entries.length === 0) throw new InputError(`--pools ${path}: no pool address in the file`);
  return { kind: 'addresses', addresses: entries.map((e) => e.toLowerCase() as HexAddress), v2Fee };
}

/**
 * `orion snapshot`: reads pools from a chain at one block and writes `orion.pools/v1`. Pools
 * come from `--pools FILE` or are discovered from `--factory ADDRESS --from-block N`; pools with
 * a fee-on-transfer or otherwise unsafe token, or that cannot be read, are left out and listed.
 */
export function register(program: Command): void {
  // `snapshot synth` has its own --out: the parent's options must come before the subcommand.
  program.enablePositionalOptions();
  const command = program
    .command('snapshot')
    .option('--rpc <url>', 'JSON-RPC endpoint (http or https), required')
    .option('--out <file>', 'file to write, required')
    .option('--pools <file>', 'pools to read: an orion.pools/v1 file, a JSON array or lines of addresses')
    .option('--factory <address>', 'discover pools from this factory (Uniswap V2 or V3)')
    .option('--from-block <n>', 'first block of factory discovery')
    .option('--v2-fee <pips>', 'fee of V2 pairs in pips', '3000')
    .option('--json', 'print one JSON document instead of a table')
    .action(async (options: SnapshotOptions) => {
      // Checked here, not as required options: commander would demand them of `snapshot synth` too.
      if (options.rpc === undefined) throw new InputError("required option '--rpc <url>' not specified");
      if (options.out === undefined) throw new InputError("required option '--out <file>' not specified");
      if ((options.pools === undefined) === (options.factory === undefined)) throw new InputError('give exactly one of --pools FILE or --factory ADDRESS --from-block N');
      if (!/^https?:\/\//.test(options.rpc)) throw new InputError(`--rpc "${options.rpc}" must be an http(s) URL`);
      if (!/^[0-9]+$/.test(options.v2Fee) || Number(options.v2Fee) >= 1_000_000) throw new InputError(`--v2-fee must be an integer number of pips below 1000000, got "${options.v2Fee}"`);
      const v2Fee = Number(options.v2Fee);
      let source: ChainSnapshotSource;
      if (options.factory !== undefined) {
        if (!ADDRESS.test(options.factory)) throw new InputError(`--factory "${options.factory}" is not a 20-byte hex address`);
        if (options.fromBlock === undefined || !/^[0-9]+$/.test(options.fromBlock)) throw new InputError(`--from-block must be a block number with --factory, got ${JSON.stringify(options.fromBlock ?? null)}`);
        source = { kind: 'factory', factory: options.factory.toLowerCase(), fromBlock: BigInt(options.fromBlock), v2Fee };
      } else {
        source = await poolsFromFile(options.pools as string, v2Fee);
      }
      const rpc = createRpcPool([options.rpc], { budgetMs: 20_000 });
      const { snapshot, excluded } = await snapshotFromChain(rpc, source);
      await writeFile(options.out, `${JSON.stringify(snapshotToJson(snapshot), null, 1)}\n`);
      const v2 = snapshot.pools.filter((p) => p.protocol === 'uniswap-v2').length;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ out: options.out, chainId: snapshot.chainId, block: Number(snapshot.block), pools: snapshot.pools.length, v2, v3: snapshot.pools.length - v2, excluded })}\n`);
        return;
      }
      const lines = [
        `wrote ${options.out}: ${snapshot.pools.length} pools (${v2} V2, ${snapshot.pools.length - v2} V3) at block ${snapshot.block} of chain ${snapshot.chainId}`,
        ...(excluded.length === 0 ? [] : [`left out ${excluded.length}:`, ...excluded.map((e) => `  ${e.address}  ${e.reason}`)]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  registerSynth(command);
}
