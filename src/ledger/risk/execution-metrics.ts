import { mean, nearestRank } from './statistics.ts';

/** One execution as the ledger records it, reduced to what the risk report reads. */
export interface ExecutionOutcome {
  /** Net profit the simulation predicted, base units of the start token. */
  predictedProfit: bigint;
  /** Net profit realized on chain (null until known, or when it reverted). */
  realizedProfit: bigint | null;
  /** Gas paid, in wei of the gas token (a reverted transaction pays too). */
  gasCost: bigint;
  reverted: boolean;
}

/** Slippage, gas and reverts of a set of executions; null figures carry a reason. */
export interface ExecutionReport {
  executions: number;
  /** Mean of predicted − realized net profit over executions with a realized profit (positive: we got less). */
  slippageMean: number | null;
  /** 95th percentile (nearest rank) of the same, exact. */
  slippageP95: bigint | null;
  /** Sum of gas paid, reverted transactions included (wei). */
  gasSpent: bigint;
  /** Reverted executions over all executions, 0..1. */
  revertRate: number | null;
  reasons: Partial<Record<'slippageMean' | 'slippageP95' | 'revertRate', string>>;
}

/** Builds slippage (predicted vs realized), gas spent and revert rate. */
export function executionReport(executions: readonly ExecutionOutcome[]): ExecutionReport {
  const reasons: ExecutionReport['reasons'] = {};
  const slippage = executions
    .filter((e) => !e.reverted && e.realizedProfit !== null)
    .map((e) => e.predictedProfit - e.realizedProfit!)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const report: ExecutionReport = {
    executions: executions.length,
    slippageMean: null,
    slippageP95: null,
    gasSpent: executions.reduce((sum, e) => sum + e.gasCost, 0n),
    revertRate: null,
    reasons,
  };
  if (slippage.length === 0) {
    reasons.slippageMean = reasons.slippageP95 = 'no execution with a realized profit';
  } else {
    report.slippageMean = mean(slippage.map(Number));
    report.slippageP95 = slippage[nearestRank(0.95, slippage.length) - 1]!;
  }
  if (executions.length === 0) reasons.revertRate = 'no executions';
  else report.revertRate = executions.filter((e) => e.reverted).length / executions.length;
  return report;
}

/** One stage of the funnel and how many items reached it (opportunities, decided, simulated, …). */
export interface FunnelStage {
  stage: string;
  count: number;
}

/** Conversion from the stage before (null for the first stage, or when the one before saw nothing). */
export interface FunnelConversion extends FunnelStage {
  /** count / previous count, 0..1 (above 1 only if the counts are inconsistent). */
  fromPrevious: number | null;
  /** count / first stage's count. */
  fromFirst: number | null;
}

/** Conversion rates along the funnel, in the order given. */
export function funnelConversion(stages: readonly FunnelStage[]): FunnelConversion[] {
  const first = stages[0]?.count ?? 0;
  return stages.map((s, i) => {
    const previous = i === 0 ? 0 : stages[i - 1]!.count;
    return { ...s, fromPrevious: previous > 0 ? s.count / previous : null, fromFirst: i > 0 && first > 0 ? s.count / first : null };
  });
}
