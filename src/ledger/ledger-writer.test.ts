import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '../store/index.ts';
import { forEachBackend } from '../store/test-store.ts';
import { postgresBinDir, startThrowawayPostgres, type ThrowawayPostgres } from '../store/testing/throwaway-postgres.ts';
import { emptyFunnel, readFunnel } from './funnel.ts';
import { createLedgerWriter, type LedgerWriter } from './ledger-writer.ts';
import { enterModeSession } from './mode-session.ts';
import { recordRejectedAndSkipped, sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from './testing/sample-records.ts';

const at = new Date('2026-12-01T12:00:00Z');

/** Records `n` opportunities (each planned, simulated ok or reverted in turn) and one state seen again. */
function recordSome(writer: LedgerWriter, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    const opportunity = sampleOpportunity(i);
    const block = BigInt(100 + i);
    const ref = writer.sighted({ opportunity, block, gasPrice: 2n * 10n ** 9n, at });
    const plan = samplePlan(opportunity, block);
    const decision = writer.decided(ref, { decision: { outcome: 'planned', plan }, block, at });
    writer.simulated(decision, { kind: 'result', result: sampleResult(plan, i % 2 === 0), at });
    if (i === from) writer.seenAgain(ref, block + 3n, at);
  }
}

forEachBackend('ledger writer', (db) => {
  it('writes opportunities, decisions and simulations linked and in order; the funnel it counts is the one the ledger holds', async () => {
    const session = await enterModeSession(db.store, 'sim', 31337);
    expect(session.resumed).toBe(false);
    const writer = createLedgerWriter({ store: db.store, session });
    recordSome(writer, 6);
    recordRejectedAndSkipped(writer, 'stale-market', 'state 3 blocks old', at);
    await writer.flush();
    expect(writer.status()).toMatchObject({ pendingRows: 0, failing: null, writtenRows: 6 * 3 + 2 + 3 });

    const { rows } = await db.store.query(
      `select o.first_block, o.last_block, o.amount_in, d.outcome, d.rule, d.min_profit, s.status, s.simulated_profit, s.predicted_profit, s.revert_name, s.revert_args
       from opportunities o left join decisions d on d.opportunity_id = o.id left join simulations s on s.decision_id = d.id
       where o.mode_session = $1 order by o.id`, [session.id], { bigint: ['first_block', 'last_block', 'amount_in', 'min_profit', 'simulated_profit', 'predicted_profit'] });
    expect(rows).toHaveLength(8);
    // The first opportunity's state was seen again 3 blocks later: one row, its last block moved on.
    expect(rows[0]).toMatchObject({ first_block: 100n, last_block: 103n, amount_in: sampleOpportunity(0).amountIn, outcome: 'planned', status: 'ok' });
    expect(rows[0]!['simulated_profit']).toBe(rows[0]!['predicted_profit']);
    expect(rows[0]!['min_profit']).toBe(samplePlan(sampleOpportunity(0), 100n).minProfit);
    expect(rows[1]).toMatchObject({ status: 'reverted', revert_name: 'InsufficientProfit', revert_args: ['-5', samplePlan(sampleOpportunity(1), 101n).minProfit.toString()] });
    expect(rows[6]).toMatchObject({ outcome: 'rejected', rule: 'stale-market', status: null });
    expect(rows[7]).toMatchObject({ outcome: 'planned', status: 'skipped' });

    const funnel = await readFunnel(db.store, session.id);
    expect(funnel).toEqual(writer.funnel());
    expect(funnel).toMatchObject({ detected: 8, planned: 7, rejected: 1, rejectedByRule: { 'stale-market': 1 }, simulated: { ok: 3, reverted: 3, failed: 0, skipped: 1 } });
    const okProfit = [0, 2, 4].reduce((sum, i) => sum + samplePlan(sampleOpportunity(i), BigInt(100 + i)).expectedProfit, 0n);
    expect(funnel.profitByToken[SAMPLE_BASE]!.simulated).toBe(okProfit);
    await writer.close();
  });

  it('a restart continues the session and its funnel; another mode opens a new session, counted from zero', async () => {
    const again = await enterModeSession(db.store, 'sim', 31337);
    expect(again.resumed).toBe(true);
    const funnel = await readFunnel(db.store, again.id);
    expect(funnel.detected).toBe(8);
    const live = await enterModeSession(db.store, 'live', 31337);
    expect(live.id).not.toBe(again.id);
    expect(await readFunnel(db.store, live.id)).toEqual(emptyFunnel());
    const { rows } = await db.store.query('select count(*) as n from mode_sessions where ended_at is null');
    expect(Number(rows[0]!['n'])).toBe(1);
  });

  // Any contract can revert with Error("\0…"), and a node can echo it in an error: PostgreSQL
  // refuses U+0000 in text (22021) and its escape in jsonb (22P05). Before, that one row failed
  // every flush, retried forever, and every row queued after it was never written.
  it('writes a revert, an error and a refusal holding a NUL character, and the rows after them', async () => {
    const session = await enterModeSession(db.store, 'sim', 31337);
    const writer = createLedgerWriter({ store: db.store, session, retryMs: 10, maxRetryMs: 20 });
    const opportunity = sampleOpportunity(40);
    const ref = writer.sighted({ opportunity, block: 140n, gasPrice: 1n, at });
    const plan = samplePlan(opportunity, 140n);
    const decision = writer.decided(ref, { decision: { outcome: 'planned', plan }, block: 140n, at });
    writer.simulated(decision, { kind: 'result', at, result: {
      plan, status: 'reverted', stateBlock: plan.block, asBlock: 141n, profit: null, gasUsed: 90_000n,
      revert: { name: 'Error\u0000', args: ['bad\u0000token', 7n], data: '0x08c379a0' }, error: 'execution reverted: bad\u0000token',
    } });
    const refused = writer.sighted({ opportunity: sampleOpportunity(41), block: 141n, gasPrice: 1n, at });
    writer.decided(refused, { decision: { outcome: 'rejected', rule: 'stale-market', reason: 'token \u0000X' }, block: 141n, at });
    recordSome(writer, 1, 42);
    await writer.flush();
    expect(writer.status()).toMatchObject({ pendingRows: 0, failing: null });
    const { rows } = await db.store.query<{ revert_name: string | null; revert_args: unknown; error: string | null; reason: string | null }>(
      `select s.revert_name, s.revert_args, s.error, d.reason from opportunities o join decisions d on d.opportunity_id = o.id left join simulations s on s.decision_id = d.id
       where o.mode_session = $1 order by o.id`, [session.id]);
    // Stored with the character written as the six characters \u0000, where it was.
    expect(rows).toEqual([
      { revert_name: 'Error\\u0000', revert_args: ['bad\\u0000token', '7'], error: 'execution reverted: bad\\u0000token', reason: null },
      { revert_name: null, revert_args: null, error: null, reason: 'token \\u0000X' },
      expect.objectContaining({ reason: null }),
    ]);
    expect((await writer.close(200)).unwritten).toBe(0);
  });
});

describe.skipIf(postgresBinDir() === undefined && process.env['CI'] !== 'true')('ledger writer: the database stops under it', () => {
  let pg: ThrowawayPostgres;
  let store: Store;
  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    store = await openStore({ databaseUrl: pg.url });
    await migrate(store);
  }, 120_000);
  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await pg?.destroy();
  });

  it('retries a failed write, says so in its status, and loses nothing once the database is back', async () => {
    const session = await enterModeSession(store, 'sim', 31337);
    const failures: number[] = [];
    const writer = createLedgerWriter({ store, session, retryMs: 50, maxRetryMs: 200, onFlushError: (_error, attempt) => failures.push(attempt) });
    recordSome(writer, 3);
    await writer.flush();
    await pg.stop();
    recordSome(writer, 4, 10);
    await expect(writer.flush()).rejects.toThrow();
    const failing = writer.status();
    expect(failing.failing).not.toBeNull();
    expect(failing.pendingRows).toBe(4 * 3 + 1);
    // Retries go on by themselves while the database is down.
    while (failures.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    await pg.start();
    // The next scheduled retry goes through: nothing was dropped.
    while (writer.status().failing !== null || writer.status().pendingRows > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const { rows } = await store.query('select count(*) as n from opportunities where mode_session = $1', [session.id]);
    expect(Number(rows[0]!['n'])).toBe(7);
    expect(await readFunnel(store, session.id)).toEqual(writer.funnel());
    expect(writer.status().failedFlushes).toBeGreaterThanOrEqual(3);
    expect(await writer.close()).toEqual({ unwritten: 0, spillFile: null });
  }, 120_000);
});
