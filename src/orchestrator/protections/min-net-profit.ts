import { gasCostOf } from '../outcome-pnl.ts';
import { thisBlock, type ProtectionRule } from '../protection.ts';

/**
 * A plan must keep a net profit (after gas and the flash fee) above zero and at least
 * `min_net_profit.TOKEN` of its base token — predicted before simulation, and again on the
 * simulation's result before it would be sent (simulated profit less the gas it really used).
 */
export const minNetProfit: ProtectionRule = {
  name: 'min-net-profit',
  phases: ['plan', 'simulation'],
  check(input) {
    const { plan, simulation, limits, route } = input;
    if (plan === null) return null;
    const floor = limits.minNetProfit[plan.baseToken.toLowerCase()] ?? 0n;
    const lock = (reason: string) => ({ rule: 'min-net-profit', reason, scope: { kind: 'route', route } as const, until: thisBlock(input) });
    if (simulation !== null) {
      if (simulation.status !== 'ok') return null;
      const net = (simulation.profit ?? 0n) - gasCostOf(plan, simulation.gasUsed ?? plan.gasUnits);
      if (net <= 0n || net < floor) return lock(`simulated net profit ${net} (profit ${simulation.profit} less gas of ${simulation.gasUsed} units) is below min_net_profit ${floor}`);
      return null;
    }
    if (plan.netProfit <= 0n || plan.minProfit <= 0n) return lock(`net profit ${plan.netProfit} after gas leaves no minimum profit to require (floor ${plan.minProfit})`);
    if (plan.netProfit < floor) return lock(`net profit ${plan.netProfit} is below min_net_profit ${floor} (base units of ${plan.baseToken})`);
    return null;
  },
};
