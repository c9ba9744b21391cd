import type { ProtectionRule } from '../protection.ts';

/**
 * A route that failed `route_suppression.failures` times in a row is suppressed, and retried
 * once every `route_suppression.retry_blocks` blocks after its last failure (a success clears it).
 */
export const routeSuppression: ProtectionRule = {
  name: 'route-suppression',
  phases: ['plan'],
  check({ figures, limits, market, route }) {
    const failures = figures.failuresByRoute.get(route);
    const { failures: threshold, retryBlocks } = limits.routeSuppression;
    if (failures === undefined || failures.consecutive < threshold) return null;
    const retryAt = failures.lastFailureBlock + BigInt(retryBlocks);
    if (market.block >= retryAt) return null;
    return {
      rule: 'route-suppression',
      reason: `the route failed ${failures.consecutive} times in a row (route_suppression.failures ${threshold}), last at block ${failures.lastFailureBlock}: retried at block ${retryAt}`,
      scope: { kind: 'route', route },
      until: { kind: 'block', block: retryAt - 1n },
    };
  },
};
