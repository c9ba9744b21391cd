/** One realized trade: when it settled and what it made (negative: lost), in base units. */
export interface Trade {
  /** Unix seconds (UTC). */
  timestamp: number;
  pnl: bigint;
}

/** One point of the equity curve: cumulative P&L after the trade settled at `timestamp`. */
export interface EquityPoint {
  timestamp: number;
  equity: bigint;
}

const SECONDS_PER_DAY = 86_400;

/** Trades in settlement order (stable for equal timestamps: the input order is kept). */
export function inTimeOrder(trades: readonly Trade[]): Trade[] {
  return trades
    .map((trade, i) => ({ trade, i }))
    .sort((a, b) => a.trade.timestamp - b.trade.timestamp || a.i - b.i)
    .map((x) => x.trade);
}

/** Cumulative P&L after each trade, from 0 (trades in time order). */
export function equityCurve(ordered: readonly Trade[]): EquityPoint[] {
  let equity = 0n;
  return ordered.map((t) => ({ timestamp: t.timestamp, equity: (equity += t.pnl) }));
}

/**
 * The largest fall of cumulative P&L from its running peak, the peak starting at 0 (so a first
 * losing trade is already a drawdown). Positive, 0 when equity never fell.
 */
export function maxDrawdown(pnls: readonly bigint[]): bigint {
  let equity = 0n;
  let peak = 0n;
  let worst = 0n;
  for (const pnl of pnls) {
    equity += pnl;
    if (equity > peak) peak = equity;
    if (peak - equity > worst) worst = peak - equity;
  }
  return worst;
}

/**
 * P&L per UTC calendar day from the first trade's day to the last's, days without a trade
 * counting 0: a quiet day is a real day of zero return for Sharpe and Sortino.
 */
export function dailyPnl(ordered: readonly Trade[]): bigint[] {
  if (ordered.length === 0) return [];
  const first = Math.floor(ordered[0]!.timestamp / SECONDS_PER_DAY);
  const last = Math.floor(ordered[ordered.length - 1]!.timestamp / SECONDS_PER_DAY);
  const days = new Array<bigint>(last - first + 1).fill(0n);
  for (const t of ordered) {
    const day = Math.floor(t.timestamp / SECONDS_PER_DAY) - first;
    days[day] = days[day]! + t.pnl;
  }
  return days;
}
