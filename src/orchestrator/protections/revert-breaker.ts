import type { ProtectionRule } from '../protection.ts';

/**
 * The revert breaker: after `revert_breaker.consecutive` reverted outcomes in a row, or a revert
 * rate of `revert_breaker.max_rate_pct` % or more over a full window of `revert_breaker.window`
 * outcomes, nothing is planned for `revert_breaker.cooldown_blocks` blocks; then it re-arms by
 * itself, the counts starting afresh.
 */
export const revertBreaker: ProtectionRule = {
  name: 'revert-breaker',
  phases: ['plan', 'simulation'],
  check({ figures, limits, market }) {
    const trip = figures.breakers.get('revert-breaker');
    if (trip !== undefined && trip.untilBlock !== null && market.block <= trip.untilBlock) {
      return { rule: 'revert-breaker', reason: trip.reason, scope: { kind: 'global' }, until: { kind: 'block', block: trip.untilBlock } };
    }
    const { consecutive, window, maxRatePct, cooldownBlocks } = limits.revertBreaker;
    const until = { kind: 'block', block: market.block + BigInt(cooldownBlocks) } as const;
    if (figures.consecutiveReverts >= consecutive) {
      return { rule: 'revert-breaker', reason: `${figures.consecutiveReverts} reverts in a row (revert_breaker.consecutive ${consecutive}): paused ${cooldownBlocks} blocks`, scope: { kind: 'global' }, until };
    }
    const { outcomes, reverts } = figures.window;
    if (outcomes >= window && reverts * 100 >= maxRatePct * outcomes) {
      return { rule: 'revert-breaker', reason: `${reverts} of the last ${outcomes} outcomes reverted (revert_breaker.max_rate_pct ${maxRatePct}): paused ${cooldownBlocks} blocks`, scope: { kind: 'global' }, until };
    }
    return null;
  },
};
