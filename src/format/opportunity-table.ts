import type { Opportunity } from '../scanner/types.ts';
import { formatPools, formatRoute } from './route.ts';
import { shortAddress, type TokenDirectory } from './symbols.ts';

/**
 * Opportunities as a table for a person (`orion scan`): every amount in the start token's units
 * with its label, the flash source and the gas beside the profit, and a note on a profit that is
 * a large share of one pool's depth.
 */

/** How the table is drawn. */
export interface OpportunityTableOptions {
  /** Whether gas was priced (a gas price above zero): the last profit column is net of it, or only of the flash fee. */
  gasPriced: boolean;
  /** Full pool addresses instead of short ones. */
  wide?: boolean;
  /** The note of a row, e.g. a thin pool; empty for none. */
  note?: (opportunity: Opportunity) => string;
}

/** The header of the last profit column: it says "gross of gas" when no gas price was given. */
export function netColumnName(gasPriced: boolean): string {
  return gasPriced ? 'net profit' : 'profit − fee (gross of gas)';
}

/** "balancer", "aave 5 bp", "v3 flash 0x88e6… 0.01 %", "v2 flash swap", "own capital". */
export function describeFlashSource(opportunity: Opportunity): string {
  const { kind, pool, feePips } = opportunity.flashSource;
  const fee = feePips === 0 ? '' : ` ${formatPips(feePips)}`;
  switch (kind) {
    case 'none':
      return 'own capital';
    case 'v2-flash-swap':
      return 'v2 flash swap';
    case 'v3-flash':
      return `v3 flash ${pool === null ? '' : shortAddress(pool)}${fee}`;
    default:
      return `${kind}${fee}`;
  }
}

/** A fee in pips as percent: 500 → "0.05 %", 100 → "0.01 %", 3000 → "0.3 %". */
function formatPips(pips: number): string {
  const whole = Math.trunc(pips / 10_000);
  const fraction = String(pips % 10_000).padStart(4, '0').replace(/0+$/, '');
  return `${whole}${fraction === '' ? '' : `.${fraction}`} %`;
}

/** The table's lines (header first), columns padded to their widest cell. */
export function opportunityTable(opportunities: readonly Opportunity[], directory: TokenDirectory, options: OpportunityTableOptions): string[] {
  const rows = opportunities.map((opp, i) => {
    const start = opp.tokens[0]!;
    const amount = (value: bigint) => directory.amount(start, value);
    const gas = options.gasPriced ? `${opp.gasUnits} = ${amount(opp.gasCost)}` : `${opp.gasUnits}`;
    return [
      String(i + 1),
      formatRoute(opp.tokens, directory),
      amount(opp.amountIn),
      amount(opp.profit),
      opp.flashFee === 0n ? describeFlashSource(opp) : `${describeFlashSource(opp)} (${amount(opp.flashFee)})`,
      gas,
      amount(opp.netProfit),
      formatPools(opp.pools, options.wide),
      options.note?.(opp) ?? '',
    ];
  });
  const header = ['#', 'route', 'amount in', 'gross profit', 'flash source (fee)', options.gasPriced ? 'gas units = cost' : 'gas units (unpriced)', netColumnName(options.gasPriced), 'pools', 'note'];
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => row[col]!.length)));
  return [header, ...rows].map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd());
}
