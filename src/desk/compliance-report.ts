import { InputError } from '../errors.ts';
import type { Queryable } from '../store/types.ts';
import { ledgerConditions } from './query-builder.ts';
import { listExecutions, type AttemptReader, type ExecutionView } from './executions.ts';
import { pnlRows, type PnlRow } from './pnl.ts';

/**
 * The auditor's report over a period: every execution (live sends, with inclusion and realized
 * profit), P&L per day and mode, and the security events of the audit log (logins, MFA, keys,
 * users, roles, GDPR, mode and limit changes: every row of the hash-chained log, by pseudonym,
 * without the erasable personal data). As JSON, or as one CSV with a `section` column.
 *
 * The period is [from, to) at the database's precision (microseconds): back-to-back reports hold
 * every row exactly once. A report is complete or refused: a period with more rows in a section
 * than {@link REPORT_SECTION_LIMIT} is refused with the count ({@link ReportTooLarge}), never cut.
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
  executions: { count: number; byStatus: Record<string, number>; rows: ExecutionView[] };
  pnl: { note: string; rows: PnlRow[] };
  securityEvents: { count: number; byType: Record<string, number>; rows: SecurityEvent[] };
}

/** Rows per section at most: a period holding more is refused (never cut), the caller asks for shorter ones. */
export const REPORT_SECTION_LIMIT = 10_000;
const PAGE = 500;

/** A period with more rows in a section than a report carries: 422, with the count and how to narrow it. */
export class ReportTooLarge extends InputError {
  readonly statusCode = 422;
}

function tooLarge(period: { from: Date; to: Date }, section: string, count: number, limit: number): ReportTooLarge {
  const parts = Math.ceil(count / limit);
  return new ReportTooLarge(
    `the period [${period.from.toISOString()}, ${period.to.toISOString()}) holds ${count} ${section}, more than the ${limit} one report carries (a report is never cut): ` +
      `ask for shorter periods, at least ${parts} back to back (more where the ${section} are not spread evenly)`,
    { details: { section, count, limit } },
  );
}

/** Builds the report for [from, to); throws {@link ReportTooLarge} rather than leave a row out. `limit` is for tests. */
export async function complianceReport(db: Queryable, period: { from: Date; to: Date }, security: SecurityEventReader, attempts?: AttemptReader, limit = REPORT_SECTION_LIMIT): Promise<ComplianceReport> {
  const executions: ExecutionView[] = [];
  let before: bigint | undefined;
  for (;;) {
    const page = await listExecutions(db, { limit: PAGE, from: period.from, until: period.to, ...(before === undefined ? {} : { before }) }, attempts);
    executions.push(...page.rows);
    if (executions.length > limit) {
      const where = ledgerConditions('e', { limit: 0, from: period.from, until: period.to }, 'created_at');
      const { rows } = await db.query<{ n: string }>(`select count(*)::text as n from executions e ${where.sql}`, where.params);
      throw tooLarge(period, 'executions', Number(rows[0]!.n), limit);
    }
    if (page.nextCursor === null) break;
    before = BigInt(page.nextCursor);
  }
  const events: SecurityEvent[] = [];
  let cursor: bigint | undefined;
  let counted = 0;
  for (;;) {
    const page = await security(period.from, period.to, cursor, PAGE);
    counted += page.rows.length;
    // Past the limit the rows are only counted, for the refusal's message.
    if (counted <= limit) events.push(...page.rows);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  if (counted > limit) throw tooLarge(period, 'security events', counted, limit);
  const tally = (keys: string[]): Record<string, number> => keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: new Date().toISOString(),
    executions: { count: executions.length, byStatus: tally(executions.map((e) => e.status)), rows: executions },
    pnl: { note: PNL_NOTE, rows: await pnlRows(db, { group: 'day', from: period.from, until: period.to }) },
    securityEvents: { count: events.length, byType: tally(events.map((e) => e.type)), rows: events },
  };
}

/** What the P&L section's figures are. */
export const PNL_NOTE = 'per UTC day, mode and base token; sim: successful simulations, dated when simulated; live: executions with a realized profit, dated when included; ' +
  'net = gross − gas in the base token: sim the scanner\'s gas estimate, live the gas paid on chain converted at the execution (the estimate where no receipt converted it)';

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
