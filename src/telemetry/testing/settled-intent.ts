import type { SettledIntent } from '../../executor/live/live-executor.ts';

/**
 * Test data: intent `id` settled as the live executor hands it to `onSettled` — confirmed, mined
 * at block 5 with `realizedProfit` base units of `baseToken` and no gas. Only the fields the
 * execution telemetry reads are real.
 */
export function settledIntent(id: bigint, baseToken: string, realizedProfit: bigint): SettledIntent {
  return {
    intent: { id, nonce: id, baseToken, attempts: [], refused: null, opportunityKey: 'k' },
    state: 'confirmed',
    inclusion: { attemptId: 1n, block: 5n, blockHash: '0x', status: 'success', realizedProfit, gasUsed: 0n, effectiveGasPrice: 0n, gasCostWei: 0n, gasCostBase: 0n, realizedNet: realizedProfit },
  } as unknown as SettledIntent;
}
