import { expect, it } from 'vitest';
import { syncExecutionRows } from '../executor/live/execution-rows.ts';
import { loadMigrations } from '../store/migrate.ts';
import { forEachBackend } from '../store/test-store.ts';
import { pnlRows, tradesByToken } from './pnl.ts';
import { modeRiskSource } from './risk.ts';
import { includedAt, liveTrade } from './testing/live-trade.ts';

/**
 * A live trade belongs to the UTC day it was included in: the P&L and the risk report's series
 * date it by its intent's inclusion time (migration 0017), which the database records once and
 * keeps through every later change of the rows (finality, a sync), not by the execution row's
 * updated_at, which each sync rewrote (a trade included before 00:00 moved to the next day once
 * final, and daily reports issued before and after finality disagreed).
 */
forEachBackend('desk P&L, live trades dated by inclusion', (db) => {
  it('a trade included at 23:59:59.9 stays in its day after finality and a sync the next day', async () => {
    const trade = await liveTrade(db.store, 71, { realized: 9_000n, gasBase: 1_000n });
    await includedAt(db.store, trade, '2026-11-30T23:59:59.9Z');
    // Finality and the row's sync, the next day.
    await trade.intents.finalize(trade.intent, 'confirmed', null);
    await db.store.query("update intents set final_at = '2026-12-01T00:02:24Z', updated_at = '2026-12-01T00:02:24Z' where id = $1", [trade.intent.id]);
    await syncExecutionRows(trade.intents, [trade.intent.id]);
    await db.store.query("update executions set updated_at = '2026-12-01T00:02:24Z' where intent_id = $1", [trade.intent.id]);

    const { rows: [row] } = await db.store.query<{ included_at: Date }>('select included_at from intents where id = $1', [trade.intent.id]);
    expect(row!.included_at.toISOString()).toBe('2026-11-30T23:59:59.900Z');
    const rows = await pnlRows(db.store, { mode: 'live', group: 'day' });
    expect(rows.map((r) => [r.period, r.trades, r.net.raw])).toEqual([['2026-11-30', 1, '8000']]);
    // The day's report asked for [30 Nov, 1 Dec) has it; the next day's has not.
    expect((await pnlRows(db.store, { mode: 'live', group: 'day', from: new Date('2026-11-30T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') })).map((r) => r.trades)).toEqual([1]);
    expect(await pnlRows(db.store, { mode: 'live', group: 'day', from: new Date('2026-12-01T00:00:00Z'), until: new Date('2026-12-02T00:00:00Z') })).toEqual([]);
    // The risk report's series: the same time.
    const series = [...(await tradesByToken(db.store, { mode: 'live' })).values()][0]!.trades;
    expect(series.map((t) => [new Date(t.timestamp * 1000).toISOString(), t.pnl])).toEqual([['2026-11-30T23:59:59.900Z', 8_000n]]);
    const source = await modeRiskSource(db.store, 'live');
    expect((source.tokens[0]!.executions ?? []).map((e) => new Date(e.timestamp * 1000).toISOString())).toEqual(['2026-11-30T23:59:59.900Z']);
  });

  it('the inclusion time is set once by the database: kept by later updates, cleared by a reorg, set again at the next inclusion', async () => {
    const trade = await liveTrade(db.store, 72, { realized: 5n, gasBase: 1n });
    const at = async (): Promise<string | null> =>
      (await db.store.query<{ included_at: Date | null }>('select included_at from intents where id = $1', [trade.intent.id])).rows[0]!.included_at?.toISOString() ?? null;
    const first = await at();
    expect(first).not.toBeNull();
    // A later update that gives another time without a new inclusion does not move it.
    await db.store.query("update intents set included_at = '2030-01-01T00:00:00Z', updated_at = now() where id = $1", [trade.intent.id]);
    expect(await at()).toBe(first);
    await trade.intents.clearInclusion(trade.intent);
    expect(await at()).toBeNull();
    await includedAt(db.store, trade, '2026-11-29T10:00:00Z');
    expect(await at()).toBe('2026-11-29T10:00:00.000Z');
  });

  it('rows included before migration 0017 are dated by the update it makes: not final, their last change; final, when their mined attempt was signed or sent', async () => {
    const open = await liveTrade(db.store, 73, { realized: 5n, gasBase: 1n });
    const final = await liveTrade(db.store, 74, { realized: 5n, gasBase: 1n });
    await final.intents.finalize(final.intent, 'confirmed', null);
    await db.store.query("update intent_attempts set sent_at = '2026-11-28T09:00:00Z' where intent_id = $1", [final.intent.id]);
    await db.store.query("update intents set updated_at = '2026-11-29T07:00:00Z' where id = $1", [open.intent.id]);
    // As before the migration: no inclusion time.
    // The migration's update runs before it creates the trigger: here with the trigger off.
    const sql = loadMigrations().find((m) => m.version === 17)!.sql;
    const backfill = sql.slice(sql.indexOf('update intents i set included_at'), sql.indexOf(';', sql.indexOf('update intents i set included_at')));
    await db.store.exec(`alter table intents disable trigger intents_included_at; update intents set included_at = null; ${backfill}; alter table intents enable trigger intents_included_at`);
    const { rows } = await db.store.query<{ id: bigint; included_at: Date }>('select id, included_at from intents where id = any($1::bigint[]) order by id', [[open.intent.id, final.intent.id].map(String)], { bigint: ['id'] });
    expect(rows.map((r) => r.included_at.toISOString())).toEqual(['2026-11-29T07:00:00.000Z', '2026-11-28T09:00:00.000Z']);
  });
});
