import type { SimulationResult } from '../../executor/executor.ts';
import type { LedgerWriter, OpportunityRef } from '../ledger-writer.ts';
import type { HexAddress } from '../../market/snapshot.ts';
import { buildPlan, DEFAULT_PLAN_SETTINGS, type Plan } from '../../orchestrator/plan.ts';
import type { LentOpportunity } from '../../scanner/flash-lender.ts';

/**
 * TEST CODE — opportunities, plans and simulation results of a made-up two-pool cycle, for the
 * ledger's tests: what the engine would hand the writer, with amounts that vary by `n`.
 */

const address = (byte: string): HexAddress => `0x${byte.repeat(20)}` as HexAddress;
export const SAMPLE_BASE = address('0a');
const OTHER = address('0b');

/** Opportunity number `n` (its amounts, hence its state, differ with n; `route` picks one of two routes). */
export function sampleOpportunity(n: number, route = 0): LentOpportunity {
  const amountIn = 10n ** 18n + BigInt(n);
  const mid = 2n * 10n ** 18n + BigInt(n);
  const amountOut = amountIn + 10n ** 15n + BigInt(n);
  const pools = route === 0 ? [address('c1'), address('c2')] : [address('d1'), address('d2')];
  return {
    cycle: route, block: BigInt(100 + n), pools, protocols: ['uniswap-v2', 'uniswap-v3'], fees: [3000, 500],
    tokens: [SAMPLE_BASE, OTHER, SAMPLE_BASE], amounts: [amountIn, mid, amountOut], amountIn, amountOut, profit: amountOut - amountIn,
    flashSource: { kind: 'v2-flash-swap', pool: pools[0]!, feePips: 0 }, flashFee: 0n, gasUnits: 200_000n, gasCost: 10n ** 14n,
    netProfit: amountOut - amountIn - 10n ** 14n, flashLender: pools[0]!,
  };
}

/** The plan of `opportunity` at `block`. */
export function samplePlan(opportunity: LentOpportunity, block: bigint): Plan {
  return buildPlan(opportunity, {
    block: { number: block, hash: `0x${block.toString(16).padStart(64, '0')}` }, nextBaseFee: 10n ** 9n, gasPrice: 2n * 10n ** 9n,
    executor: '0x00000000000000000000000000000000000000e1', from: '0x00000000000000000000000000000000000000a1',
  }, { ...DEFAULT_PLAN_SETTINGS, gasBid: { priorityFee: 10n ** 9n } });
}

/** A simulation of `plan`: ok with its predicted profit, or reverted InsufficientProfit. */
export function sampleResult(plan: Plan, ok: boolean): SimulationResult {
  return {
    plan, status: ok ? 'ok' : 'reverted', stateBlock: plan.block, asBlock: plan.block.number + 1n,
    profit: ok ? plan.expectedProfit : null, gasUsed: 150_000n,
    revert: ok ? null : { name: 'InsufficientProfit', args: [-5n, plan.minProfit], data: '0x' }, error: null,
  };
}

/** Hands `writer` sample `n` as the engine would: sighted at block 100 + n, planned, simulated ok or reverted. */
export function recordSample(writer: LedgerWriter, n: number, ok: boolean, at: Date): OpportunityRef {
  const opportunity = sampleOpportunity(n);
  const block = BigInt(100 + n);
  const ref = writer.sighted({ opportunity, block, gasPrice: 2n * 10n ** 9n, at });
  const plan = samplePlan(opportunity, block);
  writer.simulated(writer.decided(ref, { decision: { outcome: 'planned', plan }, block, at }), { kind: 'result', result: sampleResult(plan, ok), at });
  return ref;
}

/**
 * The two route-1 samples the ledger's and the desk's tests add after the planned ones: sample 0
 * rejected by `rule` at block 200, and sample 7 planned at block 201 and skipped by the executor.
 */
export function recordRejectedAndSkipped(writer: LedgerWriter, rule: string, reason: string, at: Date): void {
  const rejected = writer.sighted({ opportunity: sampleOpportunity(0, 1), block: 200n, gasPrice: 1n, at });
  writer.decided(rejected, { decision: { outcome: 'rejected', rule, reason }, block: 200n, at });
  const skippedPlan = samplePlan(sampleOpportunity(7, 1), 201n);
  const skipped = writer.decided(writer.sighted({ opportunity: sampleOpportunity(7, 1), block: 201n, gasPrice: 1n, at }), { decision: { outcome: 'planned', plan: skippedPlan }, block: 201n, at });
  writer.simulated(skipped, { kind: 'skipped', plan: skippedPlan, reason: 'the executor moved on to block 202', at });
}
