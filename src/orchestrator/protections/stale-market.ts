import type { ProtectionRule } from '../protection.ts';

/**
 * The market state must be fresh (the staleness guard of src/market/staleness.ts: synced, not
 * behind the best head by more than ORION_MAX_STALE_BLOCKS, on the endpoints' fork). Judged
 * afresh every block.
 */
export const staleMarket: ProtectionRule = {
  name: 'stale-market',
  phases: ['plan'],
  check({ market }) {
    if (market.freshness.fresh) return null;
    return { rule: 'stale-market', reason: market.freshness.message, scope: { kind: 'global' }, until: { kind: 'block', block: market.block } };
  },
};
