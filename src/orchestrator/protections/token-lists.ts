import type { HexAddress } from '../../market/snapshot.ts';
import type { ProtectionRule } from '../protection.ts';

/**
 * Token allow and deny lists (`tokens.allow`, `tokens.deny`): a route through a denied token,
 * or through a token missing from a non-empty allow list, is refused; the lock names the token.
 */
export const tokenLists: ProtectionRule = {
  name: 'token-lists',
  phases: ['plan'],
  check({ opportunity, limits, market }) {
    const { allow, deny } = limits.tokens;
    if (allow.length === 0 && deny.length === 0) return null;
    for (const token of opportunity.tokens) {
      const address = token.toLowerCase() as HexAddress;
      const denied = deny.includes(address);
      if (denied || (allow.length > 0 && !allow.includes(address))) {
        return {
          rule: 'token-lists',
          reason: denied ? `the route goes through ${address}, on the deny list (tokens.deny)` : `the route goes through ${address}, not on the allow list (tokens.allow)`,
          scope: { kind: 'token', token: address },
          until: { kind: 'block', block: market.block },
        };
      }
    }
    return null;
  },
};
