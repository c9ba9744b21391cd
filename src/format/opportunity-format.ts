import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { Opportunity } from '../scanner/types.ts';
import { formatRoute } from './route.ts';
import type { TokenDirectory } from './symbols.ts';

/** How an opportunity is shown outside the engine: JSON for APIs, one line for the operator. */

/** An opportunity with its amounts as decimal strings, for JSON. */
export function opportunityToJson(opportunity: LentOpportunity): Record<string, unknown> {
  return {
    block: opportunity.block?.toString() ?? null,
    pools: opportunity.pools,
    tokens: opportunity.tokens,
    amounts: opportunity.amounts.map(String),
    amountIn: opportunity.amountIn.toString(),
    amountOut: opportunity.amountOut.toString(),
    profit: opportunity.profit.toString(),
    flashSource: { kind: opportunity.flashSource.kind, lender: opportunity.flashLender, feePips: opportunity.flashSource.feePips },
    flashFee: opportunity.flashFee.toString(),
    gasUnits: opportunity.gasUnits.toString(),
    gasCost: opportunity.gasCost.toString(),
    netProfit: opportunity.netProfit.toString(),
  };
}

/** "WETH>USDC>WETH, in 1.5 WETH, net +0.002 WETH" with amounts in the start token's units. */
export function describeOpportunity(opportunity: Opportunity, directory: TokenDirectory): string {
  const start = opportunity.tokens[0]!;
  const sign = opportunity.netProfit > 0n ? '+' : '';
  return `${formatRoute(opportunity.tokens, directory)}, in ${directory.amount(start, opportunity.amountIn)}, net ${sign}${directory.amount(start, opportunity.netProfit)}`;
}
