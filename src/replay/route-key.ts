import type { Opportunity } from '../scanner/types.ts';

/** Identity of a route across blocks and scanner rebuilds: start token and pools in hop order. */
export function routeKey(opportunity: Pick<Opportunity, 'tokens' | 'pools'>): string {
  return `${opportunity.tokens[0]}:${opportunity.pools.join('>')}`;
}
