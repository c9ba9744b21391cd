import { describe, expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { includedAt, liveTrade } from './testing/live-trade.ts';
import { complianceReport, csvField, REPORT_SECTION_LIMIT, reportCsv, ReportTooLarge, type SecurityEventReader } from './compliance-report.ts';

describe('csvField', () => {
  it('quotes commas, quotes and line breaks (RFC 4180), neutralises a spreadsheet formula, keeps negative numbers', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-0.5')).toBe('-0.5');
    expect(csvField(-42)).toBe('-42');
  });
});

const noEvents: SecurityEventReader = async () => ({ rows: [], nextCursor: null });
const DAY1 = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };
const DAY2 = { from: new Date('2026-12-02T00:00:00Z'), to: new Date('2026-12-03T00:00:00Z') };

forEachBackend('compliance report', (db) => {
  const session = async (): Promise<string> =>
    (await db.store.query<{ id: string }>("insert into mode_sessions (mode, chain_id, ended_at) values ('live', 1, now()) returning id")).rows[0]!.id;

  it('is [from, to) at the database\'s microseconds: back-to-back days hold an execution of the last half millisecond, and its P&L, exactly once', async () => {
    const s = await session();
    await db.store.query(
      `insert into executions (mode, mode_session, decision_id, opportunity_id, status, predicted_profit, created_at, updated_at)
       values ('live', $1, 1, 1, 'reverted', 5, '2026-12-01T23:59:59.9995Z', '2026-12-01T23:59:59.9995Z'),
              ('live', $1, 2, 2, 'reverted', 5, '2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z')`, [s]);
    // A trade included at 23:59:59.9995 (its execution row written at inclusion too): 7,000 realized, 2,000 gas.
    const trade = await liveTrade(db.store, 81, { realized: 7_000n, gasBase: 2_000n });
    await includedAt(db.store, trade, '2026-12-01T23:59:59.9995Z');
    await db.store.query("update executions set created_at = '2026-12-01T23:59:59.9995Z' where intent_id = $1", [trade.intent.id]);
    const day1 = await complianceReport(db.store, DAY1, noEvents);
    const day2 = await complianceReport(db.store, DAY2, noEvents);
    // Day 1: the reverted one of its last half millisecond and the trade (7,000 realized).
    expect(day1.executions.rows.map((e) => e.realizedProfit?.raw ?? `decision ${e.decisionId}`).sort()).toEqual(['7000', 'decision 1']);
    expect(day2.executions.rows.map((e) => e.decisionId)).toEqual(['2']);
    expect(day1.pnl.rows.map((r) => [r.period, r.mode, r.trades, r.net.raw])).toEqual([['2026-12-01', 'live', 1, '5000']]);
    expect(day2.pnl.rows).toEqual([]);
  });

  it('a period holding more executions than a report carries is refused with the count and how to narrow it, never cut', async () => {
    const s = await session();
    await db.store.query(
      `insert into executions (mode, mode_session, decision_id, opportunity_id, status, predicted_profit, created_at, updated_at)
       select 'live', $1, g, g, 'reverted', 5, '2026-11-01T12:00:00Z', '2026-11-01T12:00:00Z' from generate_series(1, ${REPORT_SECTION_LIMIT + 100}) g`, [s]);
    const period = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') };
    const refused = await complianceReport(db.store, period, noEvents).then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ReportTooLarge);
    expect((refused as ReportTooLarge).statusCode).toBe(422);
    expect((refused as Error).message).toBe(
      `the period [2026-11-01T00:00:00.000Z, 2026-11-02T00:00:00.000Z) holds ${REPORT_SECTION_LIMIT + 100} executions, more than the ${REPORT_SECTION_LIMIT} one report carries (a report is never cut): ` +
        'ask for shorter periods, at least 2 back to back (more where the executions are not spread evenly)',
    );
    // Exactly the limit: the whole period, every row in the CSV, the count the rows'.
    await db.store.query("delete from executions where decision_id > $1 and created_at < '2026-11-02'", [REPORT_SECTION_LIMIT]);
    const report = await complianceReport(db.store, period, noEvents);
    expect(report.executions.count).toBe(REPORT_SECTION_LIMIT);
    expect(reportCsv(report).split('\r\n').filter((l) => l.startsWith('execution,'))).toHaveLength(REPORT_SECTION_LIMIT);
  }, 180_000);

  it('more security events than a report carries: refused with their count', async () => {
    // 7 events in pages of 3 (the reader pages as the audit log does), a limit of 5.
    const events = Array.from({ length: 7 }, (_, i) => ({ seq: String(7 - i), at: '2026-12-01T01:00:00.000Z', type: 'auth.login.ok', actor: null, subject: null, details: {} }));
    const reader: SecurityEventReader = async (_from, _to, before, limit) => {
      const rest = events.filter((e) => before === undefined || BigInt(e.seq) < before);
      return { rows: rest.slice(0, Math.min(limit, 3)), nextCursor: rest.length > 3 ? BigInt(rest[2]!.seq) : null };
    };
    await expect(complianceReport(db.store, DAY1, reader, undefined, 5)).rejects.toThrow(/holds 7 security events, more than the 5 one report carries/);
    expect((await complianceReport(db.store, DAY1, reader, undefined, 7)).securityEvents.count).toBe(7);
  });
});
