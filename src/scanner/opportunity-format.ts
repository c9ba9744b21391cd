import { formatUnits } from 'viem';
import type { HexAddress } from '../market/snapshot.ts';
import type { FlashSource } from './flash-source.ts';
import type { Opportunity } from './types.ts';

/**
 * How an opportunity is shown outside the engine: JSON for APIs, one line for the operator, and
 * the address its flash loan comes from (the scanner names a Balancer or Aave source by kind only;
 * where those lenders live on the followed chain is configuration).
 */

/** Where the flash lenders that are not pools live on the followed chain; null = not there. */
export interface FlashLenderAddresses {
  balancerVault: HexAddress | null;
  aavePool: HexAddress | null;
}

/** An opportunity with the address its flash source borrows from (null: own capital), as the executor's call needs it. */
export interface LentOpportunity extends Opportunity {
  flashLender: HexAddress | null;
}

/**
 * The lender of `source`: the first-hop pair of a V2 flash swap, the off-route pool of a V3
 * flash, the configured Vault or Pool for Balancer or Aave, null for 'none'. A Balancer or Aave
 * source without a configured address is a bug (the scanner was told no such lender exists).
 */
export function flashLenderOf(source: FlashSource, lenders: FlashLenderAddresses): HexAddress | null {
  switch (source.kind) {
    case 'none':
      return null;
    case 'v2-flash-swap':
    case 'v3-flash':
      if (source.pool === null) throw new Error(`a ${source.kind} flash source without its pool`);
      return source.pool;
    case 'balancer':
      if (lenders.balancerVault === null) throw new Error('the scanner chose a Balancer flash loan but no Balancer Vault is configured');
      return lenders.balancerVault;
    case 'aave':
      if (lenders.aavePool === null) throw new Error('the scanner chose an Aave flash loan but no Aave Pool is configured');
      return lenders.aavePool;
  }
}

/** The opportunity with its flash lender's address. */
export function withFlashLender(opportunity: Opportunity, lenders: FlashLenderAddresses): LentOpportunity {
  return { ...opportunity, flashLender: flashLenderOf(opportunity.flashSource, lenders) };
}

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
