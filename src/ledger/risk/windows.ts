import type { Trade } from './pnl-series.ts';

/**
 * The windows a risk snapshot is computed over, each ending at the snapshot's time:
 * - `24h`: today's risk for whoever is on duty (the daily ratios are mostly null here: one or two UTC days);
 * - `7d`: a week, the shortest window whose daily series (7 points) gives Sharpe and Sortino some meaning;
 * - `30d`: a month, and the default retention (ORION_RETENTION_DAYS), so it is the longest window
 *   over which sim trades (simulations) are still all there;
 * - `all`: everything the ledger still holds (live executions are kept 7 years).
 * Four fixed names keep the gauges' label sets bounded (modes × windows × base tokens).
 */
export const RISK_WINDOWS = ['24h', '7d', '30d', 'all'] as const;
export type RiskWindow = (typeof RISK_WINDOWS)[number];

/** Length of each window in seconds; `all` has no start. */
export const WINDOW_SECONDS: Readonly<Record<RiskWindow, number | null>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, all: null };

/**
 * Whether a moment (Unix seconds) falls in `window` ending at `now`: from `now − length`
 * inclusive to `now` inclusive. A trade exactly one window old is in; one second older is out.
 */
export function inWindow(timestamp: number, window: RiskWindow, now: number): boolean {
  const length = WINDOW_SECONDS[window];
  return timestamp <= now && (length === null || timestamp >= now - length);
}

/** The items of `items` (trades, executions: anything with a Unix-seconds timestamp) in `window`. */
export function withinWindow<T extends Pick<Trade, 'timestamp'>>(items: readonly T[], window: RiskWindow, now: number): T[] {
  return items.filter((item) => inWindow(item.timestamp, window, now));
}
