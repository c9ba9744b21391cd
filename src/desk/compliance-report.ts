import type { Queryable } from '../store/types.ts';
import { listExecutions, type AttemptReader, type ExecutionView } from './executions.ts';
import { pnlRows, type PnlRow } from './pnl.ts';

/**
 * The auditor's report over a period: every execution (live sends, with inclusion and realized
 * profit), P&L per day and mode, and the security events of the audit log (logins, MFA, keys,
 * users, roles, GDPR, mode and limit changes: every row of the hash-chained log, by pseudonym,
 * without the erasable personal data). As JSON, or as one CSV with a `section` column.
 */

/** One audit row as the report carries it (no personal data: pseudonyms only). */
export interface SecurityEvent {
  seq: string;
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  details: Record<string, unknown>;
}

/** Reads audit rows in [from, to), newest first, a page at a time. */
export type SecurityEventReader = (from: Date, to: Date, before: bigint | undefined, limit: number) => Promise<{ rows: SecurityEvent[]; nextCursor: bigint | null }>;

/** The report. */
export interface ComplianceReport {
  period: { from: string; to: string };
  generatedAt: string;
  executions: { count: number; byStatus: Record<string, number>; rows: ExecutionView[]; truncated: boolean };
  pnl: { note: string; rows: PnlRow[] };
  securityEvents: { count: number; byType: Record<string, number>; rows: SecurityEvent[]; truncated: boolean };
}

/** Rows per section at most (a longer period is split by the caller; `truncated` says so). */
export const REPORT_SECTION_LIMIT = 10_000;
const PAGE = 500;

/** Builds the report for [from, to). */
export async function complianceReport(db: Queryable, period: { from: Date; to: Date }, security: SecurityEventReader, attempts?: AttemptReader): Promise<ComplianceReport> {
  // Executions and P&L filter with an inclusive end: step back one millisecond for [from, to).
  const to = new Date(period.to.getTime() - 1);
  const executions: ExecutionView[] = [];
  let before: bigint | undefined;
  let truncated = false;
  for (;;) {
    const page = await listExecutions(db, { limit: PAGE, from: period.from, to, ...(before === undefined ? {} : { before }) }, attempts);
    executions.push(...page.rows);
    if (page.nextCursor === null) break;
    if (executions.length >= REPORT_SECTION_LIMIT) {
      truncated = true;
      break;
    }
    before = BigInt(page.nextCursor);
  }
  const events: SecurityEvent[] = [];
  let cursor: bigint | undefined;
  let eventsTruncated = false;
  for (;;) {
    const page = await security(period.from, period.to, cursor, PAGE);
    events.push(...page.rows);
    if (page.nextCursor === null) break;
    if (events.length >= REPORT_SECTION_LIMIT) {
      eventsTruncated = true;
      break;
    }
    cursor = page.nextCursor;
  }
  const tally = (keys: string[]): Record<string, number> => keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: new Date().toISOString(),
    executions: { count: executions.length, byStatus: tally(executions.map((e) => e.status)), rows: executions.slice(0, REPORT_SECTION_LIMIT), truncated },
    pnl: { note: 'per UTC day, mode and base token; sim: successful simulations, live: realized executions; net = gross − the scanner\'s gas estimate', rows: await pnlRows(db, { group: 'day', from: period.from, to }) },
    securityEvents: { count: events.length, byType: tally(events.map((e) => e.type)), rows: events.slice(0, REPORT_SECTION_LIMIT), truncated: eventsTruncated },
  };
}

/** The CSV columns, one header line. */
export const REPORT_CSV_COLUMNS = ['section', 'at', 'kind', 'reference', 'status', 'symbol', 'amount_raw', 'amount_units', 'details'] as const;

/** One CSV field: quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised (no formula runs in a spreadsheet). */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?[0-9.]+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as CSV: executions, then P&L, then security events. */
export function reportCsv(report: ComplianceReport): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  const row = (...fields: Array<string | number | null>): void => void lines.push(fields.map(csvField).join(','));
  for (const e of report.executions.rows) {
    row('execution', e.createdAt, e.mode, e.txHash ?? `execution ${e.id}`, e.status, e.realizedProfit?.symbol ?? null, e.realizedProfit?.raw ?? null, e.realizedProfit?.units ?? null,
      JSON.stringify({ id: e.id, route: e.route, includedBlock: e.inclusion.includedBlock, failureReason: e.inclusion.failureReason, gasPaidWei: e.gas.cost?.raw ?? null }));
  }
  for (const p of report.pnl.rows) {
    row('pnl', p.period, p.mode, p.token.address, null, p.net.symbol, p.net.raw, p.net.units, JSON.stringify({ trades: p.trades, wins: p.wins, gross: p.gross.raw, gasEstimate: p.gasEstimate.raw, gas: p.gas.raw }));
  }
  for (const s of report.securityEvents.rows) {
    row('security', s.at, s.type, s.seq, null, null, null, null, JSON.stringify({ actor: s.actor, subject: s.subject, ...s.details }));
  }
  return `${lines.join('\r\n')}\r\n`;
}
