import { beforeAll, expect, it } from 'vitest';
import { forEachBackend } from '../../store/test-store.ts';
import { riskReport } from './metrics.ts';
import { defaultRetention, LONG_RETENTION_DAYS, runMaintenance, type LedgerMode, type ModePnl, type RiskSnapshot } from './maintenance.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
/** Ages in days of the rows each table gets, in id order (1-based); fractions sit either side of a cutoff. */
const AGES = [0, 1, 29.9, 30.1, 31, 45, 100, 365, 0.5, 30.0001, 2.5, 400, 29.99, 60, 7, 90, 31, 3, 200, 50, 10, 35, 1000, 5];
const EXECUTION_AGES = [1, 400, LONG_RETENTION_DAYS - 1, LONG_RETENTION_DAYS + 1, 3000, 10];
/** [execution id, opportunity id]: execution 2 (kept) points at opportunity 7 (100 days old), execution 5 (deleted, 3,000 days) at opportunity 8 (365 days). */
const EXECUTED = [[2, 7], [5, 8]] as const;

// An unmigrated database: the test makes tables of the ledger's shape itself, so it controls every row.
forEachBackend('maintenance', (db) => {
  beforeAll(async () => {
    // Tables shaped as the ledger's (a bigserial key and the timestamp retention reads), made here.
    await db.store.exec(`
      create table opportunities (id bigserial primary key, last_seen_at timestamptz not null);
      create table simulations (id bigserial primary key, simulated_at timestamptz not null);
      create table executions (id bigserial primary key, created_at timestamptz not null, opportunity_id bigint);
      create table audit_log (id bigserial primary key, at timestamptz not null);
      create table risk_snapshots (id bigserial primary key, taken_at timestamptz not null);`);
    for (const [table, column, ages] of [['opportunities', 'last_seen_at', AGES], ['simulations', 'simulated_at', AGES], ['executions', 'created_at', EXECUTION_AGES], ['audit_log', 'at', EXECUTION_AGES], ['risk_snapshots', 'taken_at', AGES]] as const) {
      for (const age of ages) await db.store.query(`insert into ${table} (${column}) values ($1)`, [new Date(NOW.getTime() - age * DAY)]);
    }
    // Executions sent for old opportunities: those opportunities are kept as long as the executions are.
    for (const [execution, opportunity] of EXECUTED) await db.store.query('update executions set opportunity_id = $1 where id = $2', [opportunity, execution]);
  });

  const ids = async (table: string): Promise<number[]> => (await db.store.query<{ id: bigint }>(`select id from ${table} order by id`)).rows.map((r) => Number(r.id));
  /** Ids (1-based) of the rows whose age is at most `days`: what must survive. */
  const younger = (ages: readonly number[], days: number): number[] => ages.flatMap((age, i) => (age <= days ? [i + 1] : []));

  it('a bad rule changes nothing: executions and the audit log are kept 7 years', async () => {
    const pnl = async (): Promise<ModePnl> => ({ tokens: [] });
    await expect(runMaintenance(db.store, { pnl, now: () => NOW, retention: [...defaultRetention(30), { table: 'executions', column: 'created_at', days: 365 }] }))
      .rejects.toThrow(/retention of executions must be at least 7 years/);
    await expect(runMaintenance(db.store, { pnl, now: () => NOW, retention: [{ table: 'opportunities; drop table x', column: 'last_seen_at', days: 1 }] }))
      .rejects.toThrow(/not a plain lower-case SQL identifier/);
    expect(await ids('opportunities')).toEqual(AGES.map((_, i) => i + 1));
  });

  it('snapshots each mode from the injected P&L, then deletes exactly the rows past retention, in batches', async () => {
    const trades = { sim: [{ timestamp: 1_700_000_000, pnl: 5n }, { timestamp: 1_700_090_000, pnl: -2n }], live: [{ timestamp: 1_700_000_000, pnl: -9n }] };
    const saved: RiskSnapshot[] = [];
    const result = await runMaintenance(db.store, {
      pnl: async (mode: LedgerMode) => ({ tokens: [{ chainId: 1, token: '0xbase', trades: trades[mode], usd: { reason: 'none configured' } }], funnel: [{ stage: 'opportunities', count: 10 }, { stage: 'simulated', count: 4 }] }),
      windows: ['all'],
      saveSnapshots: async (all) => { saved.push(...all); },
      retention: defaultRetention(30),
      batchSize: 4,
      now: () => NOW,
    });
    expect(saved.map((s) => s.mode)).toEqual(['sim', 'live']);
    expect(saved[0]!.risk).toEqual(riskReport(trades.sim));
    expect(saved[1]!.risk.totalPnl).toBe(-9n);
    expect(saved[0]!.funnel[1]!.fromPrevious).toBe(0.4);

    const keep = younger(AGES, 30);
    const expectedDeleted = AGES.length - keep.length;
    // Opportunity 7 stays for execution 2; opportunity 8's execution is past 7 years: both go in this run, the execution first.
    const keptOpportunities = [...keep, 7].sort((a, b) => a - b);
    expect(await ids('opportunities')).toEqual(keptOpportunities);
    expect(await ids('simulations')).toEqual(keep);
    expect(await ids('risk_snapshots')).toEqual(keep);
    expect(await ids('executions')).toEqual(younger(EXECUTION_AGES, LONG_RETENTION_DAYS));
    expect(await ids('audit_log')).toEqual(EXECUTION_AGES.map((_, i) => i + 1)); // no rule names it
    const byTable = Object.fromEntries(result.retention.map((r) => [r.table, r]));
    expect(byTable.opportunities).toMatchObject({ deleted: expectedDeleted - 1, batches: Math.floor((expectedDeleted - 1) / 4) + 1 });
    expect(byTable.executions!.deleted).toBe(2);
    expect(byTable.simulations!.cutoff).toEqual(new Date(NOW.getTime() - 30 * DAY));

    // A second run finds nothing more to delete.
    const again = await runMaintenance(db.store, { pnl: async () => ({ tokens: [] }), retention: defaultRetention(30), now: () => NOW, modes: [] });
    // A second run finds nothing more to delete.
    expect(again.retention.map((r) => r.deleted)).toEqual([0, 0, 0, 0]);
    expect(await ids('opportunities')).toEqual(keptOpportunities);
  });
}, { migrate: false });
