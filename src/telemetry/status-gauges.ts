import { formatEther } from 'viem';
import type { EngineStatus } from '../engine/engine.ts';
import type { ExecutionMode } from '../executor/executor.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { Gauge } from 'prom-client';
import type { RiskView } from '../desk/risk.ts';
import type { BackupStatus } from '../ops/backup/index.ts';
import { backupMetrics } from '../ops/platform-backups.ts';
import { METRICS } from '../metrics/catalog.ts';
import type { Protections } from '../risk-controls/protections-service.ts';

/**
 * Figures read from the components' status at each scrape rather than on every change: whether
 * the engine follows the chain, how far its market state is behind the head, the ledger's
 * backlog and failed writes, the last backup's age and failed backups, the latest risk snapshot,
 * live submissions that did not land by reason (`orion_inclusion_failures_total{mode=public|bundle}`,
 * the submission mode: only live mode submits). A status counter (failed
 * flushes, failed backups) becomes a Prometheus counter by adding what it grew since the last
 * scrape.
 */

/** Where the figures come from (each may be absent: the engine boots, backups are off). */
export interface StatusSources {
  /** The mode the engine runs now (a function where it can follow a switch while running). */
  mode: ExecutionMode | (() => ExecutionMode);
  engine: () => (Pick<EngineStatus, 'market' | 'ledger'> & { executor?: Pick<EngineStatus['executor'], 'live'> }) | undefined;
  backups: () => BackupStatus | null;
  /** The latest risk snapshot per mode (the maintenance job's). */
  risk?: () => readonly RiskView[];
  /** The protections (kill switch, breakers, the day's loss against its limit). */
  protections?: () => Protections | undefined;
}

/** The breakers whose state is a gauge (0 or 1 each, so an alert can say which). */
const BREAKER_NAMES = ['daily-loss', 'revert-breaker'];

/**
 * The protections as gauges: the kill switch, each breaker, the hot key's gas money, and the day's loss as a share of its
 * limit (the largest over the base tokens that have one; 0 without a loss or a limit). A ratio
 * for an alert's threshold, never an amount anything is decided by.
 */
export function setProtectionGauges(metrics: Metrics, mode: ExecutionMode, protections: Protections): void {
  const status = protections.status();
  metrics.set('killSwitchEngaged', {}, status.killSwitch?.engaged === true ? 1 : 0);
  for (const name of BREAKER_NAMES) metrics.set('breakerTripped', { rule: name }, status.breakers.some((b) => b.breaker === name) ? 1 : 0);
  let ratio = 0;
  for (const [token, limit] of Object.entries(protections.limits().limits.maxDailyLoss)) {
    const loss = -BigInt(status.dailyPnl.byToken[token] ?? '0');
    if (loss <= 0n) continue;
    // Basis points by integer division, then a plain number for Prometheus.
    ratio = Math.max(ratio, limit === 0n ? Number.POSITIVE_INFINITY : Number((loss * 10_000n) / limit) / 10_000);
  }
  metrics.set('dailyLossRatio', { mode }, ratio);
  const money = status.gasMoney;
  if (money !== null) {
    // For people and alerts: ether as a float, executions as a count (capped for Prometheus when gas is free).
    metrics.set('hotKeyBalance', { mode }, Number(formatEther(BigInt(money.balance))));
    metrics.set('hotKeyExecutionsLeft', { mode }, money.executionsLeft === null ? Number.MAX_SAFE_INTEGER : Number(money.executionsLeft));
  }
}

/** Gauges of the risk snapshots: cleared before each update, so a token no longer traded leaves no stale series. */
const RISK_GAUGES = ['riskTrades', 'riskTotalPnl', 'riskTotalPnlUsd', 'riskMaxDrawdown', 'riskVar95', 'riskSharpe', 'riskWinRate'] as const;

/**
 * The latest risk snapshots as gauges, one series per mode × window × base token label (the
 * windows are four fixed names and the tokens the configured base tokens, so the label sets stay
 * small): amounts in token units, the total P&L also in US dollars, a figure that cannot be
 * computed as NaN.
 */
export function setRiskGauges(metrics: Metrics, snapshots: readonly RiskView[], now = Date.now()): void {
  const units = (amount: RiskView['totalPnl']): number => (amount?.units == null ? Number.NaN : Number(amount.units));
  for (const key of RISK_GAUGES) (metrics.registry.getSingleMetric(METRICS[key].name) as Gauge | undefined)?.reset();
  for (const s of snapshots) {
    const labels = { mode: s.mode, window: s.window, token: s.token?.symbol ?? 'none' };
    metrics.set('riskTrades', labels, s.trades);
    metrics.set('riskTotalPnl', labels, s.totalPnl === null ? 0 : units(s.totalPnl));
    metrics.set('riskTotalPnlUsd', labels, s.usd === null ? Number.NaN : units(s.usd.totalPnl));
    metrics.set('riskMaxDrawdown', labels, units(s.maxDrawdown));
    metrics.set('riskVar95', labels, units(s.var95));
    metrics.set('riskSharpe', labels, s.sharpe ?? Number.NaN);
    metrics.set('riskWinRate', labels, s.winRate ?? Number.NaN);
    metrics.set('riskSnapshotAge', { mode: s.mode }, Math.max(0, (now - Date.parse(s.takenAt)) / 1000));
  }
}

/** Gauges labelled by the running mode: only the current mode's series is exposed. */
const MODE_GAUGES = ['engineUp', 'dailyLossRatio', 'hotKeyBalance', 'hotKeyExecutionsLeft'] as const;

/** Blocks between the newest head the chain monitor knows and the block the market state is at. */
export function blockLag(market: EngineStatus['market']): number {
  const age = market.freshness.ageBlocks;
  if (age !== null) return Math.max(0, age);
  const behind = market.monitor.knownHead - market.monitor.tip.number;
  return behind > 0n ? Number(behind) : 0;
}

/** Registers the collector on `metrics`; returns the function that removes it. */
export function collectStatusGauges(metrics: Metrics, sources: StatusSources): () => void {
  // Gauges labelled by the mode are cleared at each scrape, then set for the mode running now: after a
  // switch (even one whose relaunch failed) the old mode's series is gone, so max(orion_engine_up)
  // reads 0 when nothing runs and no alert keeps firing on the old mode's loss ratio or gas money.
  const clearModeGauges = (): void => {
    for (const key of MODE_GAUGES) (metrics.registry.getSingleMetric(METRICS[key].name) as Gauge | undefined)?.reset();
  };
  let failedFlushes = 0;
  let backupFailures = 0;
  const inclusionFailures = new Map<string, number>();
  return metrics.onScrape(() => {
    const mode = typeof sources.mode === 'function' ? sources.mode() : sources.mode;
    const engine = sources.engine();
    clearModeGauges();
    metrics.set('engineUp', { mode }, engine === undefined ? 0 : 1);
    if (engine !== undefined) {
      metrics.set('blockLag', {}, blockLag(engine.market));
      metrics.set('ledgerPendingRows', {}, engine.ledger.pendingRows);
      if (engine.ledger.failedFlushes > failedFlushes) metrics.inc('ledgerWriteFailures', {}, engine.ledger.failedFlushes - failedFlushes);
      failedFlushes = engine.ledger.failedFlushes;
      const live = engine.executor?.live;
      for (const [reason, count] of Object.entries(live?.inclusionFailures ?? {})) {
        const key = `${live!.submission}:${reason}`;
        const seen = inclusionFailures.get(key) ?? 0;
        if (count > seen) metrics.inc('inclusionFailures', { mode: live!.submission, reason }, count - seen);
        inclusionFailures.set(key, count);
      }
    }
    const backup = backupMetrics(sources.backups());
    metrics.set('lastBackupAge', {}, backup[METRICS.lastBackupAge.name]!);
    const failures = backup[METRICS.backupFailures.name]!;
    if (failures > backupFailures) metrics.inc('backupFailures', {}, failures - backupFailures);
    backupFailures = failures;
    setRiskGauges(metrics, sources.risk?.() ?? []);
    const protections = sources.protections?.();
    if (protections !== undefined) setProtectionGauges(metrics, mode, protections);
  });
}
