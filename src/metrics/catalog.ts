/**
 * Every Prometheus metric Orion exports: name, type, help and label names, in one place so the
 * registry (`/metrics`), the alert rules (ops/prometheus/alerts.yml) and the Grafana dashboard
 * (ops/grafana/orion.json) agree on names; tests check the rules and panels against this list.
 * Amount metrics are for dashboards and alerts only (floats in token units); the ledger holds
 * the exact amounts.
 */

/** Prometheus metric kinds used here. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** One exported metric. */
export interface MetricSpec {
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly string[];
}

/** The catalog, keyed by a short code name. */
export const METRICS = {
  httpRequestDuration: { name: 'orion_http_request_duration_seconds', kind: 'histogram', help: 'HTTP request duration by route template, method and status code', labels: ['route', 'method', 'status'] },
  loginFailures: { name: 'orion_login_failures_total', kind: 'counter', help: 'Failed logins and failed MFA codes', labels: ['reason'] },
  engineUp: { name: 'orion_engine_up', kind: 'gauge', help: '1 while the engine follows the chain, 0 while it boots or stopped', labels: ['mode'] },
  blockLag: { name: 'orion_block_lag_blocks', kind: 'gauge', help: 'Blocks between the chain head and the block the market state is at', labels: [] },
  stageLatency: { name: 'orion_stage_latency_seconds', kind: 'histogram', help: 'Time each engine stage took per block', labels: ['stage'] },
  stageResyncs: { name: 'orion_stage_resyncs_total', kind: 'counter', help: 'Blocks a stage skipped to catch up with the newest block (counted, never silent)', labels: ['stage'] },
  opportunities: { name: 'orion_opportunities_total', kind: 'counter', help: 'Opportunities detected (new ledger rows)', labels: ['mode'] },
  decisions: { name: 'orion_decisions_total', kind: 'counter', help: 'Decisions by outcome (planned or rejected) and the rule that rejected', labels: ['mode', 'outcome', 'rule'] },
  simulations: { name: 'orion_simulations_total', kind: 'counter', help: 'Simulations by status (ok, reverted, failed)', labels: ['mode', 'status'] },
  simulationReverts: { name: 'orion_simulation_reverts_total', kind: 'counter', help: 'Simulated reverts by decoded reason (custom error name)', labels: ['mode', 'reason'] },
  executions: { name: 'orion_executions_total', kind: 'counter', help: 'Live executions by outcome, counted once each when mined: included (landed), reverted (mined, the contract refused it; gas paid), dropped (its nonce went to a cancellation or to another transaction). A replacement is another attempt of the same execution, not one more', labels: ['mode', 'status'] },
  inclusionFailures: { name: 'orion_inclusion_failures_total', kind: 'counter', help: 'Live submissions that did not land, by reason found on chain (mode = the submission: public or bundle)', labels: ['mode', 'reason'] },
  profit: { name: 'orion_profit_total', kind: 'counter', help: 'Profit in token units (simulated in sim mode, realized in live mode), for dashboards only; tokens whose decimals are unknown are not here but in orion_profit_base_units_total', labels: ['mode', 'token', 'kind'] },
  profitBaseUnits: { name: 'orion_profit_base_units_total', kind: 'counter', help: 'Profit in base units of tokens whose decimals are unknown (token = the full address), never mixed into orion_profit_total; for dashboards only', labels: ['mode', 'token', 'kind'] },
  gasSpent: { name: 'orion_gas_spent_total', kind: 'counter', help: 'Gas units used by simulations (kind=simulation) and by mined live transactions, reverted and cancellations included (kind=execution)', labels: ['mode', 'kind'] },
  ledgerWriteFailures: { name: 'orion_ledger_write_failures_total', kind: 'counter', help: 'Ledger batch writes that failed and were retried', labels: [] },
  ledgerPendingRows: { name: 'orion_ledger_pending_rows', kind: 'gauge', help: 'Ledger rows waiting to be written', labels: [] },
  killSwitchEngaged: { name: 'orion_kill_switch_engaged', kind: 'gauge', help: '1 while the kill switch is engaged', labels: [] },
  breakerTripped: { name: 'orion_breaker_tripped', kind: 'gauge', help: '1 while a circuit breaker of the rule is tripped', labels: ['rule'] },
  dailyLossRatio: { name: 'orion_daily_loss_ratio', kind: 'gauge', help: "Today's loss (gas included) as a share of the daily loss limit", labels: ['mode'] },
  hotKeyBalance: { name: 'orion_hot_key_balance_ether', kind: 'gauge', help: "The hot key's native balance for gas, in ether", labels: ['mode'] },
  hotKeyExecutionsLeft: { name: 'orion_hot_key_executions_left', kind: 'gauge', help: "Executions the hot key's balance still pays for at the fee cap (largest gas limit × max fee)", labels: ['mode'] },
  lastBackupAge: { name: 'orion_last_backup_age_seconds', kind: 'gauge', help: 'Seconds since the last successful backup', labels: [] },
  backupFailures: { name: 'orion_backup_failures_total', kind: 'counter', help: 'Scheduled backups that failed', labels: [] },
  // Risk snapshots: one series per mode × window (24h, 7d, 30d, all) × base token, bounded by the configured base tokens.
  riskTrades: { name: 'orion_risk_trades', kind: 'gauge', help: 'Trades in the latest risk snapshot (maintenance job) of the mode, window and base token', labels: ['mode', 'window', 'token'] },
  riskTotalPnl: { name: 'orion_risk_total_pnl', kind: 'gauge', help: 'Total P&L of the latest risk snapshot in token units of its base token, for dashboards only', labels: ['mode', 'window', 'token'] },
  riskTotalPnlUsd: { name: 'orion_risk_total_pnl_usd', kind: 'gauge', help: 'Total P&L of the latest risk snapshot in US dollars through the reference pool (NaN: no USD price), for dashboards only', labels: ['mode', 'window', 'token'] },
  riskMaxDrawdown: { name: 'orion_risk_max_drawdown', kind: 'gauge', help: 'Maximum drawdown of the latest risk snapshot in token units (NaN: not computable)', labels: ['mode', 'window', 'token'] },
  riskVar95: { name: 'orion_risk_var95', kind: 'gauge', help: 'Historical 95 % value at risk per trade of the latest risk snapshot, token units, positive when a loss (NaN: not computable)', labels: ['mode', 'window', 'token'] },
  riskSharpe: { name: 'orion_risk_sharpe', kind: 'gauge', help: 'Sharpe ratio on daily P&L, annualised with sqrt(365), of the latest risk snapshot (NaN: not computable)', labels: ['mode', 'window', 'token'] },
  riskWinRate: { name: 'orion_risk_win_rate', kind: 'gauge', help: 'Share of winning trades, 0..1, of the latest risk snapshot (NaN: no trades)', labels: ['mode', 'window', 'token'] },
  riskSnapshotAge: { name: 'orion_risk_snapshot_age_seconds', kind: 'gauge', help: 'Seconds since the latest risk snapshot of the mode', labels: ['mode'] },
  wsClients: { name: 'orion_ws_clients', kind: 'gauge', help: 'WebSocket clients connected to this instance', labels: [] },
  wsClientsDropped: { name: 'orion_ws_clients_dropped_total', kind: 'counter', help: 'WebSocket clients closed by the server, by reason (slow, expired)', labels: ['reason'] },
} as const satisfies Record<string, MetricSpec>;

/** The code name of a metric in the catalog. */
export type MetricKey = keyof typeof METRICS;

/** Every exported metric name (process defaults from prom-client, `process_*` and `nodejs_*`, come on top). */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((metric) => metric.name);
