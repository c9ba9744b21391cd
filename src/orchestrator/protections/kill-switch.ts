import type { ProtectionRule } from '../protection.ts';

/**
 * The kill switch: while engaged, no new plan is made or sent (already-submitted transactions
 * are still tracked). Engaged by an operator (CLI, API) or by the file ORION_DATA_DIR/KILL;
 * held until someone releases it on purpose.
 */
export const killSwitch: ProtectionRule = {
  name: 'kill-switch',
  phases: ['plan', 'simulation'],
  check({ figures }) {
    const state = figures.killSwitch;
    if (state === null || !state.engaged) return null;
    return {
      rule: 'kill-switch',
      reason: `the kill switch is engaged by ${state.actor} (${state.via}) since ${state.at.toISOString()}: ${state.reason}`,
      scope: { kind: 'global' },
      until: { kind: 'release' },
    };
  },
};
