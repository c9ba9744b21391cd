import type { HexAddress } from '../market/snapshot.ts';
import type { FlashSource } from './flash-source.ts';
import type { Opportunity } from './types.ts';

/**
 * The address an opportunity's flash loan comes from. The scanner names a Balancer or Aave source
 * by kind only: where those lenders live on the followed chain is configuration.
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
