import { routeOfStateKey } from '../../ledger/records.ts';
import type { Outcome } from '../../orchestrator/protection-figures.ts';
import type { SettledIntent } from './live-executor.ts';

/**
 * A settled intent as the protections count it (the revert breaker, route suppression, the
 * daily loss): confirmed made its realized net (profit − gas in the base token); failed was
 * mined and reverted, and paid its gas; dropped by our cancellation paid the cancellation's gas
 * and is not the route's fault (`failed`); dropped because another sender took the nonce made
 * nothing. The same reading as src/risk-controls/figures-from-ledger.ts gives after a restart.
 */
export function settledOutcome(settled: SettledIntent, at: Date = new Date()): Outcome {
  const { intent, state, inclusion } = settled;
  return {
    route: routeOfStateKey(intent.opportunityKey),
    baseToken: intent.baseToken.toLowerCase(),
    block: inclusion?.block ?? intent.planBlock,
    at,
    reverted: state === 'failed',
    failed: state === 'dropped',
    pnl: inclusion?.realizedNet ?? null,
    intent: intent.id,
  };
}
