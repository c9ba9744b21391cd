import { formatUnits } from 'viem';
import type { LentOpportunity } from './flash-lender.ts';
import type { Opportunity } from './types.ts';

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

/** "WETH→USDC→WETH, in 1.5 WETH, net +0.002 WETH" with amounts in the start token's units. */
export function describeOpportunity(opportunity: Opportunity, symbols: ReadonlyMap<string, { symbol: string; decimals: number }>): string {
  const start = symbols.get(opportunity.tokens[0]!);
  const unit = (amount: bigint) => (start === undefined ? `${amount} wei` : `${formatUnits(amount, start.decimals)} ${start.symbol}`);
  const path = opportunity.tokens.map((token) => symbols.get(token)?.symbol ?? token).join('→');
  return `${path}, in ${unit(opportunity.amountIn)}, net ${opportunity.netProfit > 0n ? '+' : ''}${unit(opportunity.netProfit)}`;
}
