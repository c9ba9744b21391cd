import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { createPool } from '../market/pool.ts';
import { readSnapshotFile } from '../market/snapshot.ts';

interface QuoteOptions {
  snapshot: string;
  pool: string;
  tokenIn: string;
  amountIn?: string;
  amountOut?: string;
  json?: boolean;
}

/** Parses a wei amount: a positive decimal integer, or InputError naming the option and value. */
export function parseWei(option: string, value: string): bigint {
  if (!/^[0-9]+$/.test(value) || BigInt(value) === 0n) {
    throw new InputError(`${option} must be a positive integer amount in base units (wei), got "${value}"`);
  }
  return BigInt(value);
}

/** The quote as the JSON line `orion quote` prints: amounts as decimal strings, V3 state after. */
export function quoteJson(q: { amountIn: bigint; amountOut: bigint; sqrtPriceX96After?: bigint; tickAfter?: number; liquidityAfter?: bigint }): string {
  const out: Record<string, string | number> = { amountIn: q.amountIn.toString(), amountOut: q.amountOut.toString() };
  if (q.sqrtPriceX96After !== undefined) out.sqrtPriceX96After = q.sqrtPriceX96After.toString();
  if (q.tickAfter !== undefined) out.tickAfter = q.tickAfter;
  if (q.liquidityAfter !== undefined) out.liquidityAfter = q.liquidityAfter.toString();
  return JSON.stringify(out);
}

/**
 * `orion quote`: the exact result of one swap on one pool of a snapshot, to the wei, as the
 * pair/router (V2) or QuoterV2 (V3) would answer it. Offline: reads the file, touches no chain.
 * It always prints one JSON line (issue 3); `--json` is accepted for symmetry with other commands.
 */
export function register(program: Command): void {
  program
    .command('quote')
    .requiredOption('--snapshot <file>', 'pool snapshot (orion.pools/v1)')
    .requiredOption('--pool <address>', 'pool address (any case)')
    .requiredOption('--token-in <address>', 'address of the token paid in (any case)')
    .option('--amount-in <wei>', 'exact input in base units')
    .option('--amount-out <wei>', 'exact output in base units')
    .option('--json', 'print JSON (the default and only output of this command)')
    .action(async (options: QuoteOptions) => {
      if ((options.amountIn === undefined) === (options.amountOut === undefined)) {
        throw new InputError('give exactly one of --amount-in or --amount-out');
      }
      const amountIn = options.amountIn === undefined ? undefined : parseWei('--amount-in', options.amountIn);
      const amountOut = options.amountOut === undefined ? undefined : parseWei('--amount-out', options.amountOut);
      const { snapshot } = await readSnapshotFile(options.snapshot);
      const address = options.pool.toLowerCase();
      const found = snapshot.pools.find((p) => p.address === address);
      if (found === undefined) throw new InputError(`pool ${options.pool} is not in snapshot ${options.snapshot}`);
      const pool = createPool(found);
      const q = amountIn !== undefined ? pool.quoteExactIn(options.tokenIn, amountIn) : pool.quoteExactOut(options.tokenIn, amountOut as bigint);
      process.stdout.write(`${quoteJson(q)}\n`);
    });
}
