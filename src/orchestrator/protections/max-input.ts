import { thisBlock, type ProtectionRule } from '../protection.ts';

/** A plan's input may not exceed `max_input.TOKEN` for its base token. */
export const maxInput: ProtectionRule = {
  name: 'max-input',
  phases: ['plan'],
  check(input) {
    const { opportunity, limits, route } = input;
    const base = opportunity.tokens[0]!.toLowerCase();
    const limit = limits.maxInput[base];
    if (limit === undefined || opportunity.amountIn <= limit) return null;
    return { rule: 'max-input', reason: `input ${opportunity.amountIn} is above max_input ${limit} (base units of ${base})`, scope: { kind: 'route', route }, until: thisBlock(input) };
  },
};
