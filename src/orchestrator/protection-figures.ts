import type { BreakerTrip, GasMoney, KillSwitchState, RecentFigures, RouteFailures } from './protection.ts';

/**
 * The recent figures the protection rules judge by, kept in memory as outcomes arrive (no I/O):
 * reverts in a row, the rolling window of outcomes, each route's failures in a row, and the
 * day's P&L per base token. The engine feeds it every simulated (sim) or settled (live) outcome;
 * the service reads the ledger back into it at start.
 */

/** One outcome of a plan, as the figures count it. */
export interface Outcome {
  route: string;
  baseToken: string;
  block: bigint;
  at: Date;
  /** The contract reverted (a failed RPC call is not the route's fault: `failed`). */
  reverted: boolean;
  failed: boolean;
  /** P&L including gas in the base token (null: nothing happened on chain). */
  pnl: bigint | null;
  /** Live: the intent it settles (the protections count each intent once, across a restart too). */
  intent?: bigint;
}

/** The UTC day of `at` (YYYY-MM-DD). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The mutable figures behind `RecentFigures`. */
export class ProtectionFigures {
  killSwitch: KillSwitchState | null = null;
  readonly breakers = new Map<string, BreakerTrip>();
  private consecutiveReverts = 0;
  /** Newest last: true = reverted. */
  private window: boolean[] = [];
  private windowReverts = 0;
  private readonly failuresByRoute = new Map<string, RouteFailures>();
  private dailyPnl = new Map<string, bigint>();
  private day: string;
  private gasMoney: GasMoney | null = null;
  /** The last view, until something it shows changes (the rules ask it per plan: microseconds). */
  private cached: RecentFigures | null = null;

  constructor(now: Date = new Date()) {
    this.day = utcDay(now);
  }

  /** Counts one outcome; `windowSize` is the revert breaker's window in force. */
  observe(outcome: Outcome, windowSize: number): void {
    this.cached = null;
    this.rollDay(outcome.at);
    if (outcome.pnl !== null) this.dailyPnl.set(outcome.baseToken, (this.dailyPnl.get(outcome.baseToken) ?? 0n) + outcome.pnl);
    if (outcome.failed) return;
    this.consecutiveReverts = outcome.reverted ? this.consecutiveReverts + 1 : 0;
    this.window.push(outcome.reverted);
    if (outcome.reverted) this.windowReverts += 1;
    this.trimWindow(windowSize);
    if (outcome.reverted) {
      const known = this.failuresByRoute.get(outcome.route);
      this.failuresByRoute.set(outcome.route, { consecutive: (known?.consecutive ?? 0) + 1, lastFailureBlock: outcome.block });
    } else {
      this.failuresByRoute.delete(outcome.route);
    }
  }

  /** The revert breaker tripped: its counts start afresh after the cooldown. */
  resetReverts(): void {
    this.cached = null;
    this.consecutiveReverts = 0;
    this.window = [];
    this.windowReverts = 0;
  }

  /** The daily-loss breaker was re-armed: the day's loss counts afresh from now. */
  resetDailyPnl(now: Date = new Date()): void {
    this.cached = null;
    this.dailyPnl = new Map();
    this.day = utcDay(now);
  }

  /** Sets the day's P&L read back from the ledger. */
  seedDailyPnl(pnl: ReadonlyMap<string, bigint>, now: Date = new Date()): void {
    this.cached = null;
    this.dailyPnl = new Map(pnl);
    this.day = utcDay(now);
  }

  /** The hot key's gas money as just read from the chain. */
  setGasMoney(money: GasMoney | null): void {
    this.cached = null;
    this.gasMoney = money;
  }

  /** A new UTC day starts the day's P&L at zero (asked once per block, not per plan). */
  startDay(now: Date = new Date()): void {
    this.rollDay(now);
  }

  /**
   * The figures as the rules see them. The kill switch and the breakers are read live (they are
   * set directly); the counts are cached until an outcome or a reset changes them.
   */
  view(): RecentFigures {
    if (this.cached !== null && this.cached.killSwitch === this.killSwitch) return this.cached;
    this.cached = {
      killSwitch: this.killSwitch,
      breakers: this.breakers,
      consecutiveReverts: this.consecutiveReverts,
      window: { outcomes: this.window.length, reverts: this.windowReverts },
      failuresByRoute: this.failuresByRoute,
      dailyPnl: this.dailyPnl,
      day: this.day,
      gasMoney: this.gasMoney,
    };
    return this.cached;
  }

  private rollDay(at: Date): void {
    const day = utcDay(at);
    if (day > this.day) {
      this.day = day;
      this.dailyPnl = new Map();
      this.cached = null;
    }
  }

  private trimWindow(size: number): void {
    while (this.window.length > size) {
      if (this.window.shift()) this.windowReverts -= 1;
    }
  }
}
