import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { createPool } from '../market/pool.ts';
import { readSnapshotFile, type SnapshotToken } from '../market/snapshot.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { exactTokenAmount } from '../format/token-amount.ts';

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

/** The two tokens of a quoted swap, when known: their units go beside the raw amounts. */
export interface QuotedTokens {
  tokenIn: SnapshotToken;
  tokenOut: SnapshotToken;
}

/**
 * The quote as the JSON line `orion quote` prints: amounts as decimal strings of base units
 * (issue 3), then, given the tokens, each token (address, symbol, decimals) and the amounts in
 * token units, exact (`amountInUnits`, `amountOutUnits`), then the V3 state after.
 */
export function quoteJson(
  q: { amountIn: bigint; amountOut: bigint; sqrtPriceX96After?: bigint; tickAfter?: number; liquidityAfter?: bigint },
  tokens?: QuotedTokens,
): string {
  const out: Record<string, unknown> = { amountIn: q.amountIn.toString(), amountOut: q.amountOut.toString() };
  if (tokens !== undefined) {
    out.tokenIn = tokens.tokenIn;
    out.tokenOut = tokens.tokenOut;
    out.amountInUnits = exactTokenAmount(q.amountIn, tokens.tokenIn.decimals);
    out.amountOutUnits = exactTokenAmount(q.amountOut, tokens.tokenOut.decimals);
  }
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
    .requiredOption('--token-in <token>', 'the token paid in: its address (any case) or its symbol in this pool')
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
      // An address goes to the pool model as given (it names a token outside the pool precisely);
      // a symbol is looked up among the pool's two tokens.
      const tokenIn = /^0x[0-9a-fA-F]{40}$/.test(options.tokenIn)
        ? options.tokenIn
        : new TokenDirectory([found.token0, found.token1]).resolve(options.tokenIn, `--token-in of pool ${found.address}`).address;
      const pool = createPool(found);
      const q = amountIn !== undefined ? pool.quoteExactIn(tokenIn, amountIn) : pool.quoteExactOut(tokenIn, amountOut as bigint);
      const zeroForOne = found.token0.address === tokenIn.toLowerCase();
      const tokens = zeroForOne ? { tokenIn: found.token0, tokenOut: found.token1 } : { tokenIn: found.token1, tokenOut: found.token0 };
      process.stdout.write(`${quoteJson(q, tokens)}\n`);
    });
}
