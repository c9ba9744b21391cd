import { executionReport, funnelConversion, type ExecutionOutcome, type ExecutionReport, type FunnelConversion, type FunnelStage } from './execution-metrics.ts';
import { riskReport, type RiskOptions, type RiskReport } from './metrics.ts';
import type { Trade } from './pnl-series.ts';
import { toUsd, tradesInUsd, type UsdPrice } from './usd-price.ts';
import { RISK_WINDOWS, withinWindow, type RiskWindow } from './windows.ts';

/** The modes the ledger records apart. */
export type LedgerMode = 'sim' | 'live';

/** An execution outcome with the moment it settled (Unix seconds), so windows can select it. */
export type TimedExecution = ExecutionOutcome & { timestamp: number };

/** Where a base token's USD price comes from: a reference pool's state at a block. */
export interface UsdSource {
  price: UsdPrice;
  /** The reference pool (lower-case address). */
  pool: string;
  /** The stablecoin the price is in (lower-case address); its base units are the USD figures' unit. */
  stable: string;
  /** Block the pool's state (so the price) is at; null when the market does not say. */
  block: bigint | null;
}

/** One base token's series in one mode, as the ledger supplies it. */
export interface TokenPnl {
  chainId: number | null;
  /** Base token (lower-case address); null only for the empty series of a mode without trades. */
  token: string | null;
  trades: readonly Trade[];
  executions?: readonly TimedExecution[];
  /** The USD price to convert at, or why there is none. */
  usd: UsdSource | { reason: string };
  /** Capital in base units (the drawdown's percentage), or why the configured one cannot be used; unset: none configured. */
  capital?: bigint | { reason: string };
}

/** What one mode's risk snapshots are computed from. */
export interface ModePnl {
  /** One entry per base token the mode traded (empty: no trade at all). */
  tokens: readonly TokenPnl[];
  /** The funnel of the mode's latest session (not windowed: a session's counts). */
  funnel?: readonly FunnelStage[];
}

/** USD figures: the same report on the P&L converted to stablecoin base units, and where the price came from. */
export interface UsdFigures extends UsdSource {
  risk: RiskReport;
}

/** A mode's risk figures for one base token over one window. */
export interface RiskSnapshot {
  mode: LedgerMode;
  window: RiskWindow;
  chainId: number | null;
  token: string | null;
  takenAt: Date;
  risk: RiskReport;
  execution: ExecutionReport;
  funnel: FunnelConversion[];
  /** Null when there is no USD price; `usdReason` says why. */
  usd: UsdFigures | null;
  usdReason: string | null;
}

/** The report options of one series: the capital (and the risk-free rate, which needs it) only when there is one. */
function optionsWith(capital: bigint | undefined, options: Omit<RiskOptions, 'capital'> | undefined): RiskOptions {
  const { riskFreeRate, ...rest } = options ?? {};
  return capital === undefined || capital <= 0n ? rest : { ...rest, capital, ...(riskFreeRate === undefined ? {} : { riskFreeRate }) };
}

/**
 * The snapshots of one mode: for each base token and each window, the risk report of the
 * trades in the window (base units of the token), the execution figures of the executions in
 * it, the funnel, and the same report in USD when the token has a USD price. Every trade of a
 * window is converted at the one price given (the reference pool's latest known state). The
 * capital is per series (each token's own); the risk-free rate of `options.risk` applies to the
 * series that have one (it is earned on the capital).
 */
export function modeSnapshots(mode: LedgerMode, source: ModePnl, takenAt: Date, options: { risk?: Omit<RiskOptions, 'capital'>; windows?: readonly RiskWindow[] } = {}): RiskSnapshot[] {
  const now = takenAt.getTime() / 1000;
  const funnel = funnelConversion(source.funnel ?? []);
  const tokens: readonly TokenPnl[] = source.tokens.length > 0 ? source.tokens : [{ chainId: null, token: null, trades: [], usd: { reason: 'no trades' } }];
  const snapshots: RiskSnapshot[] = [];
  for (const series of tokens) {
    for (const window of options.windows ?? RISK_WINDOWS) {
      const trades = withinWindow(series.trades, window, now);
      const capital = typeof series.capital === 'bigint' ? series.capital : undefined;
      // USD: the same trades and capital converted at one price, so the percentages and ratios match the base token's.
      const usd = 'price' in series.usd
        ? { ...series.usd, risk: riskReport(tradesInUsd(trades, series.usd.price), optionsWith(capital === undefined ? undefined : toUsd(capital, series.usd.price), options.risk)) }
        : null;
      const risk = riskReport(trades, optionsWith(capital, options.risk));
      if (typeof series.capital === 'object' && risk.trades > 0) risk.reasons.maxDrawdownPct = series.capital.reason;
      snapshots.push({
        mode, window, chainId: series.chainId, token: series.token, takenAt,
        risk,
        execution: executionReport(withinWindow(series.executions ?? [], window, now)),
        funnel,
        usd,
        usdReason: 'reason' in series.usd ? series.usd.reason : null,
      });
    }
  }
  return snapshots;
}
