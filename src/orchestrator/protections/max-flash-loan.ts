import { thisBlock, type ProtectionRule } from '../protection.ts';
import type { LenderKind } from '../limits.ts';

/** A flash loan may not exceed `max_flash_loan.LENDER.TOKEN` for its lender kind and token (own capital is not a loan). */
export const maxFlashLoan: ProtectionRule = {
  name: 'max-flash-loan',
  phases: ['plan'],
  check(input) {
    const { opportunity, limits, route } = input;
    const kind = opportunity.flashSource.kind;
    if (kind === 'none') return null;
    const base = opportunity.tokens[0]!.toLowerCase();
    const limit = limits.maxFlashLoan[kind as LenderKind]?.[base];
    if (limit === undefined || opportunity.amountIn <= limit) return null;
    return {
      rule: 'max-flash-loan',
      reason: `a ${kind} flash loan of ${opportunity.amountIn} is above max_flash_loan.${kind} ${limit} (base units of ${base})`,
      scope: { kind: 'route', route },
      until: thisBlock(input),
    };
  },
};
