import type { ProtectionRule } from '../protection.ts';

/**
 * The daily-loss breaker: once the P&L including gas of the UTC day (in the mode session, per
 * base token) has lost more than `max_daily_loss.TOKEN`, nothing is planned until someone
 * re-arms the breaker by hand (`orion breaker rearm daily-loss`, the API). Re-arming counts the
 * day's loss afresh from that moment.
 */
export const dailyLoss: ProtectionRule = {
  name: 'daily-loss',
  phases: ['plan', 'simulation'],
  check({ figures, limits }) {
    const trip = figures.breakers.get('daily-loss');
    if (trip !== undefined) return { rule: 'daily-loss', reason: trip.reason, scope: { kind: 'global' }, until: { kind: 'rearm' } };
    for (const [token, limit] of Object.entries(limits.maxDailyLoss)) {
      const loss = -(figures.dailyPnl.get(token) ?? 0n);
      if (loss > limit) {
        return {
          rule: 'daily-loss',
          reason: `the loss of ${figures.day} (UTC) in ${token} is ${loss} base units, gas included: above max_daily_loss ${limit}`,
          scope: { kind: 'global' },
          until: { kind: 'rearm' },
        };
      }
    }
    return null;
  },
};
