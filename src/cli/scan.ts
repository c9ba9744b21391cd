import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { opportunityTable } from '../format/opportunity-table.ts';
import { shortAddress, TokenDirectory } from '../format/symbols.ts';
import { formatWithSymbol } from '../format/token-amount.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { AAVE_FEE_PIPS, type FlashSourceOptions } from '../scanner/flash-source.ts';
import { liquidityFloorFromText, MIN_LIQUIDITY_HELP, THIN_POOL_SHARE_PERCENT, thinPoolOf, type LiquidityFloorResult } from '../scanner/liquidity-floor.ts';
import { Scanner } from '../scanner/scanner.ts';
import type { Opportunity } from '../scanner/types.ts';

/** Parses a decimal integer option within [min, max]; InputError naming the option otherwise. */
export function parseIntegerOption(name: string, value: string, min: bigint, max?: bigint): bigint {
  if (!/^[0-9]+$/.test(value.trim())) throw new InputError(`${name} must be a non-negative integer, got "${value}"`);
  const parsed = BigInt(value.trim());
  if (parsed < min || (max !== undefined && parsed > max)) {
    throw new InputError(`${name} must be ${max === undefined ? `at least ${min}` : `within [${min}, ${max}]`}, got ${value}`);
  }
  return parsed;
}

/** The lender flags of `orion scan`, as commander hands them over (a `--no-X` flag sets X false). */
export interface LenderFlags {
  balancerFee?: string;
  balancer: boolean;
  aaveFee?: string;
  aave: boolean;
  v3Flash: boolean;
}

interface ScanCommandOptions extends LenderFlags {
  snapshot: string;
  base?: string[];
  maxHops: string;
  gasPrice: string;
  gasToken?: string;
  limit: string;
  maxSize: string[];
  minLiquidity?: string;
  wide?: boolean;
  json?: boolean;
}

/** Parses `TOKEN=WEI` (repeatable) into the scanner's per-token caps; the token is resolved by the scanner. */
export function parseMaxSizes(values: readonly string[]): Map<string, bigint> {
  const caps = new Map<string, bigint>();
  const seen = new Set<string>();
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0) throw new InputError(`--max-size must be TOKEN=WEI (token address or symbol), got "${value}"`);
    const token = value.slice(0, at).trim();
    const wei = parseIntegerOption(`--max-size ${token}`, value.slice(at + 1), 1n);
    if (seen.has(token.toLowerCase())) throw new InputError(`--max-size given twice for ${token}`);
    seen.add(token.toLowerCase());
    caps.set(token, wei);
  }
  return caps;
}

/**
 * The fee of one lender in pips, null when `--no-NAME` says the chain has none. The fee flag has
 * no commander default so that giving it beside `--no-NAME` can be told apart from not giving it.
 */
function lenderFeePips(name: string, fee: string | undefined, present: boolean, defaultPips: number): number | null {
  if (!present) {
    if (fee !== undefined) throw new InputError(`--${name}-fee and --no-${name} contradict each other: give one of them`);
    return null;
  }
  return fee === undefined ? defaultPips : Number(parseIntegerOption(`--${name}-fee`, fee, 0n, 999_999n));
}

/**
 * Which flash lenders the snapshot's chain has, from the flags: by default a Balancer vault
 * (fee 0), an Aave pool (5 bp) and the V3 pools of the snapshot, as on mainnet; a snapshot of
 * another chain (e.g. `orion devnet --export`) may have none of them.
 */
export function parseLenderFlags(flags: LenderFlags): FlashSourceOptions {
  return {
    balancerFeePips: lenderFeePips('balancer', flags.balancerFee, flags.balancer, 0),
    aaveFeePips: lenderFeePips('aave', flags.aaveFee, flags.aave, AAVE_FEE_PIPS),
    v3Flash: flags.v3Flash,
  };
}

/**
 * The JSON form of an opportunity, in the field order of issue 6 then the flash source (which
 * lender, its fee rate in pips and the fee on amountIn), the gas (units, and cost in the start
 * token) and the thin pool, if any (a pool whose depth the profit is a large share of); amounts
 * as decimal strings of base units.
 */
export function opportunityJson(opp: Opportunity, floor?: LiquidityFloorResult): Record<string, unknown> {
  const thin = floor === undefined ? null : thinPoolOf(opp, floor);
  return {
    pools: opp.pools,
    tokens: opp.tokens,
    amountIn: opp.amountIn.toString(),
    amountOut: opp.amountOut.toString(),
    profit: opp.profit.toString(),
    netProfit: opp.netProfit.toString(),
    flashSource: { ...opp.flashSource, fee: opp.flashFee.toString() },
    gasUnits: opp.gasUnits.toString(),
    gasCost: opp.gasCost.toString(),
    thinPool: thin === null ? null : { pool: thin.pool, profitPercentOfDepth: Number(thin.sharePercent) },
  };
}

/**
 * `orion scan`: every cycle of a snapshot through the base tokens, sized to the exact integer
 * optimum, ranked by net profit. Offline: reads the file, touches no chain.
 */
export function register(program: Command): void {
  program
    .command('scan')
    .requiredOption('--snapshot <file>', 'pool snapshot (orion.pools/v1)')
    .option('--base <token...>', 'base tokens by address or symbol, in priority order (default: the 4 most connected tokens)')
    .option('--max-hops <n>', 'longest cycle, 2 to 4', '3')
    .option('--gas-price <wei>', 'fee per gas in wei of the gas token', '0')
    .option('--gas-token <address>', 'token gas is paid in (default: the chain\'s wrapped native token)')
    // Lenders serve routes whose first hop is not V2 (a V2 first hop lends as a flash swap).
    // The fee flags take no commander default: see lenderFeePips.
    .option('--balancer-fee <pips>', 'Balancer vault flash-loan fee in pips (default: 0)')
    .option('--no-balancer', 'the chain has no Balancer vault to borrow from')
    .option('--aave-fee <pips>', `Aave pool flash-loan premium in pips (default: ${AAVE_FEE_PIPS} = 5 bp)`)
    .option('--no-aave', 'the chain has no Aave pool to borrow from')
    .option('--no-v3-flash', 'never borrow from a V3 pool of the snapshot (flash)')
    .option('--limit <n>', 'how many opportunities to print', '20')
    .option('--max-size <token=wei>', 'largest input in a base token (address or symbol), repeatable', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--min-liquidity <amount>', MIN_LIQUIDITY_HELP)
    .option('--wide', 'full pool and token addresses in the table')
    .option('--json', 'print one JSON document instead of a table')
    .action(async (options: ScanCommandOptions) => {
      const maxHops = Number(parseIntegerOption('--max-hops', options.maxHops, 2n, 4n));
      const gasPrice = parseIntegerOption('--gas-price', options.gasPrice, 0n);
      const flash = parseLenderFlags(options);
      const limit = Number(parseIntegerOption('--limit', options.limit, 0n, 1_000_000n));
      const maxIn = parseMaxSizes(options.maxSize);
      const { snapshot: read, warnings } = await readSnapshotFile(options.snapshot);
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      const floor = liquidityFloorFromText(read.pools, read.chainId, options.minLiquidity ?? process.env.ORION_MIN_POOL_LIQUIDITY, options.minLiquidity === undefined ? 'ORION_MIN_POOL_LIQUIDITY' : '--min-liquidity');
      if (floor.kept.length === 0) throw new InputError(`no pool of ${options.snapshot} reaches the liquidity floor of ${formatWithSymbol(floor.minDepth, floor.reference)}: lower --min-liquidity`);
      const snapshot = { ...read, pools: floor.kept };
      const scanner = new Scanner(snapshot, {
        maxHops,
        gasPrice,
        flash,
        maxIn,
        ...(options.base === undefined ? {} : { bases: options.base }),
        ...(options.gasToken === undefined ? {} : { gasToken: options.gasToken }),
      });
      scanner.scanAll(false);
      const opportunities = scanner.top(limit);
      const stats = scanner.stats();
      const minDepth = floor.minDepth.toString();
      if (options.json === true) {
        const liquidityFloor = { referenceToken: floor.reference.address, minDepth, excludedPools: floor.excluded.length };
        process.stdout.write(`${JSON.stringify({ pools: stats.pools, cycles: stats.cycles, liquidityFloor, opportunities: opportunities.map((opp) => opportunityJson(opp, floor)) })}\n`);
        return;
      }
      const directory = TokenDirectory.fromPools(read.pools);
      const label = (index: number) => directory.label(scanner.tokens.tokens[index]!.address);
      const bases = scanner.bases.map((b) => (options.wide === true ? `${label(b)} ${scanner.tokens.tokens[b]!.address}` : label(b)));
      const ranking = gasPrice > 0n
        ? `ranked by net profit: gas at ${gasPrice} wei per gas, flash fees paid`
        : 'ranked by GROSS profit: gas not priced (give --gas-price WEI to rank net of gas), flash fees paid';
      process.stdout.write(
        `${stats.pools} pools (${stats.dryPools} with a zero reserve, skipped; ${floor.excluded.length} below the liquidity floor of ${formatWithSymbol(floor.minDepth, floor.reference)} per side, excluded), ` +
          `${stats.cycles} cycles of up to ${maxHops} hops, block ${snapshot.block ?? 'unknown'}\n` +
          `bases: ${bases.join(', ')}\n${ranking}\n`,
      );
      if (opportunities.length === 0) {
        process.stdout.write('no profitable cycle\n');
        return;
      }
      const note = (opp: Opportunity): string => {
        const thin = thinPoolOf(opp, floor);
        return thin === null ? '' : `thin: profit is ${thin.sharePercent} % of pool ${options.wide === true ? thin.pool : shortAddress(thin.pool)}'s depth`;
      };
      for (const line of opportunityTable(opportunities, directory, { gasPriced: gasPrice > 0n, wide: options.wide === true, note })) process.stdout.write(`${line}\n`);
      if (opportunities.some((opp) => thinPoolOf(opp, floor) !== null)) {
        process.stdout.write(`thin: the profit is at least ${THIN_POOL_SHARE_PERCENT} % of a pool's depth; more likely a stale or junk price than a trade\n`);
      }
    });
}
