import { InputError } from '../../errors.ts';
import { dailyPnl, equityCurve, inTimeOrder, maxDrawdown, type EquityPoint, type Trade } from './pnl-series.ts';
import { downsideDeviation, mean, nearestRank, NORMAL_QUANTILE, sampleStdDev } from './statistics.ts';

/** What the report is computed against; every field optional. */
export interface RiskOptions {
  /** Capital the strategy trades with, in the P&L's base units: gives `maxDrawdownPct`. */
  capital?: bigint;
  /** Periods of the daily series per year for annualising Sharpe, Sortino and Calmar (default 365: crypto trades every day). */
  periodsPerYear?: number;
  /** Annual risk-free rate as a fraction (0.05 = 5 %); needs `capital`. Unset: no risk-free rate. */
  riskFreeRate?: number;
}

/** Names of the figures that can be null, each then with a reason in `reasons`. */
export type NullableRiskFigure =
  | 'winRate' | 'maxDrawdown' | 'maxDrawdownPct' | 'var95' | 'var99' | 'var95Parametric' | 'var99Parametric'
  | 'es95' | 'es99' | 'sharpe' | 'sortino' | 'calmar' | 'profitFactor' | 'expectancy' | 'sqn';

/**
 * The risk figures of a P&L series. Exact amounts are bigint base units; estimates (means,
 * deviations, normal quantiles) are numbers in base units; ratios are plain numbers. A figure
 * that cannot be computed is null and `reasons` says why: never NaN, never Infinity.
 */
export interface RiskReport {
  trades: number;
  totalPnl: bigint;
  /** Share of trades with pnl > 0, 0..1. */
  winRate: number | null;
  /** Largest fall of cumulative P&L (per trade) from a running peak starting at 0; positive. */
  maxDrawdown: bigint | null;
  /** `maxDrawdown` as a percentage of `capital` (12.5 = 12.5 %). */
  maxDrawdownPct: number | null;
  /** Historical VaR: the loss at the nearest rank ⌈5 %·n⌉ of the sorted P&L, positive when a loss. */
  var95: bigint | null;
  var99: bigint | null;
  /** Parametric (normal) VaR of one trade: z·σ − μ. */
  var95Parametric: number | null;
  var99Parametric: number | null;
  /** Expected shortfall: the mean loss of the ⌈5 %·n⌉ worst trades (those at or beyond var95), positive when losses. */
  es95: number | null;
  es99: number | null;
  /** On the daily series (days without trades count 0), mean/σ·√periodsPerYear, net of the risk-free rate when one is set. */
  sharpe: number | null;
  /** As Sharpe with the downside deviation (√(Σmin(0,r)²/n)) instead of σ. */
  sortino: number | null;
  /** Annualised daily mean (× periodsPerYear) over the daily series' maximum drawdown. */
  calmar: number | null;
  /** Sum of wins over sum of losses (0 when every trade lost). */
  profitFactor: number | null;
  /** Mean P&L per trade. */
  expectancy: number | null;
  /** System quality number: √n · mean / σ per trade. */
  sqn: number | null;
  periodsPerYear: number;
  /** Days in the daily series (first trade's UTC day to the last's). */
  days: number;
  equityCurve: EquityPoint[];
  /** Why each null figure is null. */
  reasons: Partial<Record<NullableRiskFigure, string>>;
}

/** Historical VaR and ES at one level, exact VaR and mean tail loss. */
function historicalTail(sorted: readonly bigint[], level: 0.95 | 0.99): { valueAtRisk: bigint; shortfall: number } {
  const rank = nearestRank(1 - level, sorted.length);
  let tail = 0n;
  for (let i = 0; i < rank; i++) tail += sorted[i]!;
  return { valueAtRisk: -sorted[rank - 1]!, shortfall: -Number(tail) / rank };
}

/** Builds the risk report of a series of trades (any order: sorted by timestamp here). */
export function riskReport(trades: readonly Trade[], options: RiskOptions = {}): RiskReport {
  const periodsPerYear = options.periodsPerYear ?? 365;
  if (!(Number.isFinite(periodsPerYear) && periodsPerYear > 0)) throw new InputError(`periods per year must be a positive number, got ${periodsPerYear}`);
  if (options.capital !== undefined && options.capital <= 0n) throw new InputError(`capital must be positive, got ${options.capital}`);
  if (options.riskFreeRate !== undefined && options.capital === undefined) throw new InputError('a risk-free rate needs the capital it is earned on');
  for (const t of trades) if (!Number.isFinite(t.timestamp)) throw new InputError(`trade timestamp must be a number of seconds, got ${t.timestamp}`);

  const ordered = inTimeOrder(trades);
  const pnls = ordered.map((t) => t.pnl);
  const n = pnls.length;
  const reasons: RiskReport['reasons'] = {};
  const none = (keys: NullableRiskFigure[], reason: string): null => {
    for (const key of keys) reasons[key] ??= reason;
    return null;
  };
  const report: RiskReport = {
    trades: n, totalPnl: pnls.reduce((a, b) => a + b, 0n), winRate: null, maxDrawdown: null, maxDrawdownPct: null,
    var95: null, var99: null, var95Parametric: null, var99Parametric: null, es95: null, es99: null,
    sharpe: null, sortino: null, calmar: null, profitFactor: null, expectancy: null, sqn: null,
    periodsPerYear, days: 0, equityCurve: equityCurve(ordered), reasons,
  };
  if (n === 0) {
    none(['winRate', 'maxDrawdown', 'maxDrawdownPct', 'var95', 'var99', 'var95Parametric', 'var99Parametric', 'es95', 'es99', 'sharpe', 'sortino', 'calmar', 'profitFactor', 'expectancy', 'sqn'], 'no trades');
    return report;
  }

  const floats = pnls.map(Number);
  report.winRate = pnls.filter((p) => p > 0n).length / n;
  report.maxDrawdown = maxDrawdown(pnls);
  report.maxDrawdownPct = options.capital === undefined ? none(['maxDrawdownPct'], 'no capital given') : (Number(report.maxDrawdown) / Number(options.capital)) * 100;
  const sorted = [...pnls].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const at95 = historicalTail(sorted, 0.95);
  const at99 = historicalTail(sorted, 0.99);
  [report.var95, report.es95, report.var99, report.es99] = [at95.valueAtRisk, at95.shortfall, at99.valueAtRisk, at99.shortfall];
  report.expectancy = mean(floats);
  const wins = pnls.filter((p) => p > 0n).reduce((a, b) => a + b, 0n);
  const losses = -pnls.filter((p) => p < 0n).reduce((a, b) => a + b, 0n);
  report.profitFactor = losses === 0n ? none(['profitFactor'], 'no losing trade: the ratio is unbounded') : Number(wins) / Number(losses);

  const sigma = n >= 2 ? sampleStdDev(floats) : 0;
  if (n < 2) none(['var95Parametric', 'var99Parametric', 'sqn'], 'needs at least 2 trades');
  else if (sigma === 0) none(['var95Parametric', 'var99Parametric', 'sqn'], 'every trade made the same: the deviation is 0');
  else {
    report.var95Parametric = NORMAL_QUANTILE[0.95] * sigma - report.expectancy;
    report.var99Parametric = NORMAL_QUANTILE[0.99] * sigma - report.expectancy;
    report.sqn = (Math.sqrt(n) * report.expectancy) / sigma;
  }

  const daily = dailyPnl(ordered);
  report.days = daily.length;
  if (daily.length < 2) {
    none(['sharpe', 'sortino', 'calmar'], 'needs trades on at least 2 days (the ratios are on the daily series)');
    return report;
  }
  // Risk-free return per period in base units: the capital's annual yield spread over the periods.
  const riskFree = options.riskFreeRate === undefined ? 0 : (Number(options.capital!) * options.riskFreeRate) / periodsPerYear;
  const excess = daily.map((d) => Number(d) - riskFree);
  const excessMean = mean(excess);
  const scale = Math.sqrt(periodsPerYear);
  const dailySigma = sampleStdDev(excess);
  report.sharpe = dailySigma === 0 ? none(['sharpe'], 'every day made the same: the deviation is 0') : (excessMean / dailySigma) * scale;
  const downside = downsideDeviation(excess);
  report.sortino = downside === 0 ? none(['sortino'], 'no losing day: the downside deviation is 0') : (excessMean / downside) * scale;
  const dailyDrawdown = maxDrawdown(daily);
  report.calmar = dailyDrawdown === 0n ? none(['calmar'], 'the daily equity never fell: no drawdown') : (mean(daily.map(Number)) * periodsPerYear) / Number(dailyDrawdown);
  return report;
}
