import type { AuditLog } from '../audit/audit-log.ts';
import type { RiskCapital } from '../config/risk-capital.ts';
import type { UsdReference } from '../config/usd-reference.ts';
import { latestRiskSnapshots, modeRiskSource, saveRiskSnapshots, type RiskView } from '../desk/risk.ts';
import { defaultRetention, runMaintenance, type LedgerMode, type MaintenanceResult } from '../ledger/risk/maintenance.ts';
import type { Say } from '../say.ts';
import type { Store } from '../store/index.ts';

/**
 * The maintenance job on its interval (ORION_MAINTENANCE_INTERVAL, hourly by default): a risk
 * snapshot per mode, window and base token from the ledger (src/desk/risk.ts, USD through
 * ORION_USD_REFERENCE_POOLS) stored in `risk_snapshots`, then retention
 * (ORION_RETENTION_DAYS for opportunities, simulations and past risk snapshots; executions and the audit log 7
 * years). Each run is said on the console with its time, and audited (`maintenance.run`); a
 * failed run is said, audited and retried at the next interval. One run at a time; the next is
 * timed from the end of the previous.
 */

/** Settings of the schedule. */
export interface MaintenanceScheduleOptions {
  store: Store;
  audit: AuditLog;
  /** Seconds between runs; 0 = no timer (runNow still works). */
  intervalSeconds: number;
  retentionDays: number;
  /** Pools pricing base tokens in USD (ORION_USD_REFERENCE_POOLS); none = USD figures null with their reason. */
  usdReferencePools?: readonly UsdReference[];
  /** Capital per base token (ORION_RISK_CAPITAL): the drawdown as a percentage of it. */
  riskCapital?: readonly RiskCapital[];
  /** Annual risk-free rate on the capital (ORION_RISK_FREE_RATE); unset = none. */
  riskFreeRate?: number | undefined;
  say: Say;
  /** Clock (tests pass a fixed one). */
  now?: () => Date;
}

/** What the schedule reports. */
export interface MaintenanceStatus {
  intervalSeconds: number;
  retentionDays: number;
  runs: number;
  failures: number;
  last: { at: string; elapsedMs: number; deleted: Record<string, number> } | null;
  lastError: string | null;
}

/** A running schedule. */
export interface MaintenanceSchedule {
  status(): MaintenanceStatus;
  /** The snapshots of each mode's latest run, every window and base token (read at start, replaced after each run): the gauges' source. */
  latest(): readonly RiskView[];
  /** Runs now (after one in flight). */
  runNow(): Promise<MaintenanceResult>;
  stop(): Promise<void>;
}

const MODES: readonly LedgerMode[] = ['sim', 'live'];

/** Trades per mode over all time, every base token together (the `all` window's snapshots). */
function tradesPerMode(result: MaintenanceResult): Record<string, number> {
  const trades: Record<string, number> = {};
  for (const s of result.snapshots) if (s.window === 'all') trades[s.mode] = (trades[s.mode] ?? 0) + s.risk.trades;
  return trades;
}

/** Starts the schedule; the first run comes one interval after start. */
export async function startMaintenanceSchedule(options: MaintenanceScheduleOptions): Promise<MaintenanceSchedule> {
  const { store, audit, say } = options;
  let latest = await latestRiskSnapshots(store);
  let runs = 0;
  let failures = 0;
  let last: MaintenanceStatus['last'] = null;
  let lastError: string | null = null;
  let inFlight: Promise<MaintenanceResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const once = async (): Promise<MaintenanceResult> => {
    try {
      const result = await runMaintenance(store, {
        modes: MODES,
        pnl: (mode) => modeRiskSource(store, mode, { ...(options.usdReferencePools === undefined ? {} : { usdReferencePools: options.usdReferencePools }), ...(options.riskCapital === undefined ? {} : { riskCapital: options.riskCapital }) }),
        saveSnapshots: (snapshots) => saveRiskSnapshots(store, snapshots),
        ...(options.riskFreeRate === undefined ? {} : { risk: { riskFreeRate: options.riskFreeRate } }),
        retention: defaultRetention(options.retentionDays),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      latest = await latestRiskSnapshots(store);
      const deleted = Object.fromEntries(result.retention.map((r) => [r.table, r.deleted]));
      runs += 1;
      last = { at: result.startedAt.toISOString(), elapsedMs: Math.round(result.elapsedMs), deleted };
      lastError = null;
      const trades = tradesPerMode(result);
      await audit.append({ type: 'maintenance.run', details: { elapsedMs: last.elapsedMs, retentionDays: options.retentionDays, deleted, trades, snapshots: result.snapshots.length } });
      say(`maintenance: risk snapshots (${Object.entries(trades).map(([mode, n]) => `${mode} ${n} trades`).join(', ')}; ${result.snapshots.length} mode × window × token), retention deleted ${Object.entries(deleted).map(([t, n]) => `${n} ${t}`).join(', ')} in ${last.elapsedMs} ms`);
      return result;
    } catch (error) {
      failures += 1;
      lastError = (error as Error).message;
      say(`maintenance failed: ${lastError}`);
      await audit.append({ type: 'maintenance.failed', details: { error: lastError } }).catch(() => undefined);
      throw error;
    }
  };

  const run = async (): Promise<MaintenanceResult> => {
    while (inFlight !== undefined) await inFlight.catch(() => undefined);
    const attempt = once();
    inFlight = attempt;
    try {
      return await attempt;
    } finally {
      inFlight = undefined;
    }
  };

  const schedule = (): void => {
    if (stopped || options.intervalSeconds <= 0) return;
    timer = setTimeout(() => {
      run().catch(() => undefined).finally(schedule); // a failure is counted, said and audited in once()
    }, options.intervalSeconds * 1000);
    timer.unref();
  };
  schedule();

  return {
    status: () => ({ intervalSeconds: options.intervalSeconds, retentionDays: options.retentionDays, runs, failures, last, lastError }),
    latest: () => latest,
    runNow: run,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
