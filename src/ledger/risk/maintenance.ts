import { InputError } from '../../errors.ts';
import type { Queryable } from '../../store/types.ts';
import type { RiskOptions } from './metrics.ts';
import { modeSnapshots, type LedgerMode, type ModePnl, type RiskSnapshot } from './snapshot.ts';
import type { RiskWindow } from './windows.ts';

export type { LedgerMode, ModePnl, RiskSnapshot } from './snapshot.ts';

/** One table that retention prunes by a timestamp column. */
export interface RetentionRule {
  table: string;
  /** timestamptz column the age is read from. */
  column: string;
  /** Rows older than this many days are deleted. */
  days: number;
  /** Primary key the batches delete by (default `id`). */
  key?: string;
  /** Rows another table still points at (`table.column` = this row's key) are kept whatever their age. */
  keepReferencedBy?: { table: string; column: string };
}

/** Days of the long retention: executions (and the audit log) are kept 7 years. */
export const LONG_RETENTION_DAYS = 7 * 365 + 2;
/** Tables only the long retention may prune: what was sent on chain, and the audit trail. */
export const LONG_KEPT_TABLES: readonly string[] = ['executions', 'audit_log', 'audit_personal', 'audit_checkpoint'];

/** Retention as issue 13 sets it: opportunities and simulations after `days`, executions after 7 years; past risk snapshots after `days` too. */
export function defaultRetention(days: number): RetentionRule[] {
  return [
    // Simulations first: they point at decisions of opportunities (the cascade would take them anyway).
    { table: 'simulations', column: 'simulated_at', days },
    // Executions before opportunities, so an opportunity whose execution goes now goes in the same run.
    { table: 'executions', column: 'created_at', days: LONG_RETENTION_DAYS },
    // An opportunity an execution was sent for stays while the execution does (7 years): the
    // live P&L reads its base token and gas estimate (src/desk/pnl.ts), so deleting it would
    // drop the trade from the risk figures after `days`.
    { table: 'opportunities', column: 'last_seen_at', days, keepReferencedBy: { table: 'executions', column: 'opportunity_id' } },
    // Past snapshots: only the latest run's are read; each run writes one row per mode, window and
    // base token (equity curves included), so they are kept as long as the ledger rows they summarise.
    { table: 'risk_snapshots', column: 'taken_at', days },
  ];
}

export interface MaintenanceOptions {
  /** Modes to snapshot (default sim and live). */
  modes?: readonly LedgerMode[];
  /** Realized P&L per mode (the ledger's executions, or simulations in sim mode). */
  pnl: (mode: LedgerMode) => Promise<ModePnl>;
  /** Periods per year and the risk-free rate; the capital is each base token's own (the P&L source's). */
  risk?: Omit<RiskOptions, 'capital'>;
  /** Windows each base token's figures are computed over (default every one of RISK_WINDOWS). */
  windows?: readonly RiskWindow[];
  /**
   * Stores the run's snapshots, all or none (the ledger's risk table; the API and gauges read
   * the newest run's rows, so a run half-stored would replace a whole one with a part).
   */
  saveSnapshots?: (snapshots: readonly RiskSnapshot[]) => Promise<void>;
  retention: readonly RetentionRule[];
  /** Rows deleted per statement, so each holds its locks briefly (default 5,000). */
  batchSize?: number;
  /** Clock (tests pass a fixed one). */
  now?: () => Date;
}

/** What a run did, for its log line and audit entry. */
export interface MaintenanceResult {
  startedAt: Date;
  snapshots: RiskSnapshot[];
  retention: { table: string; cutoff: Date; deleted: number; batches: number }[];
  elapsedMs: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const DAY_MS = 86_400_000;

function checkRule(rule: RetentionRule): void {
  for (const name of [rule.table, rule.column, rule.key ?? 'id', ...(rule.keepReferencedBy === undefined ? [] : [rule.keepReferencedBy.table, rule.keepReferencedBy.column])]) {
    if (!IDENTIFIER.test(name)) throw new InputError(`retention: "${name}" is not a plain lower-case SQL identifier`);
  }
  if (!(Number.isFinite(rule.days) && rule.days > 0)) throw new InputError(`retention of ${rule.table} must be a positive number of days, got ${rule.days}`);
  if (LONG_KEPT_TABLES.includes(rule.table) && rule.days < LONG_RETENTION_DAYS) {
    throw new InputError(`retention of ${rule.table} must be at least 7 years (${LONG_RETENTION_DAYS} days), got ${rule.days}`);
  }
}

/** Deletes rows of one table older than `cutoff`, `batchSize` per statement, until none is left. */
async function prune(db: Queryable, rule: RetentionRule, cutoff: Date, batchSize: number): Promise<{ deleted: number; batches: number }> {
  const key = rule.key ?? 'id';
  const kept = rule.keepReferencedBy === undefined ? '' : ` and not exists (select 1 from ${rule.keepReferencedBy.table} k where k.${rule.keepReferencedBy.column} = ${rule.table}.${key})`;
  const sql = `delete from ${rule.table} where ${key} in (select ${key} from ${rule.table} where ${rule.column} < $1${kept} order by ${key} limit $2)`;
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const { rowCount } = await db.query(sql, [cutoff, batchSize]);
    batches++;
    deleted += rowCount;
    if (rowCount < batchSize) return { deleted, batches };
  }
}

/**
 * One maintenance run: a risk snapshot per mode, base token and window from the injected P&L source (saved
 * together through `saveSnapshots`), then retention, table by table in batches. Rules are checked before anything
 * runs, so a bad rule changes nothing. The caller logs, audits and schedules the run.
 */
export async function runMaintenance(db: Queryable, options: MaintenanceOptions): Promise<MaintenanceResult> {
  options.retention.forEach(checkRule);
  const batchSize = options.batchSize ?? 5_000;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const clock = performance.now();
  const snapshots: RiskSnapshot[] = [];
  for (const mode of options.modes ?? ['sim', 'live']) {
    const source = await options.pnl(mode);
    for (const snapshot of modeSnapshots(mode, source, startedAt, { ...(options.risk === undefined ? {} : { risk: options.risk }), ...(options.windows === undefined ? {} : { windows: options.windows }) })) {
      snapshots.push(snapshot);
    }
  }
  await options.saveSnapshots?.(snapshots);
  const retention: MaintenanceResult['retention'] = [];
  for (const rule of options.retention) {
    const cutoff = new Date(startedAt.getTime() - rule.days * DAY_MS);
    retention.push({ table: rule.table, cutoff, ...(await prune(db, rule, cutoff, batchSize)) });
  }
  return { startedAt, snapshots, retention, elapsedMs: performance.now() - clock };
}
