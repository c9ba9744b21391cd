import { expect, it } from 'vitest';
import { enterModeSession } from '../ledger/mode-session.ts';
import { forEachBackend } from '../store/test-store.ts';
import type { Queryable } from '../store/types.ts';
import { readFiguresFromLedger } from './figures-from-ledger.ts';

/**
 * The live figures a restart reads back: the day's realized loss and the recent outcomes count
 * every live session of the chain. A live boot (ORION_MODE=live) and a switch back into live each
 * start a new mode session; counted per session, each restart gave the day's loss limit back.
 */

const CHAIN = 31337;
const WETH = `0x${'0a'.repeat(20)}`;
const ACCOUNT = `0x${'a1'.repeat(20)}`;

/** A settled intent of `session` on `chain` with its realized net, included at `includedAt` (block 101), final at `finalAt` (default: then too). */
async function settled(db: Queryable, chain: number, session: bigint, nonce: number, state: 'confirmed' | 'failed', realizedNet: bigint, includedAt: Date, finalAt = includedAt): Promise<void> {
  await db.query(
    `insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token, plan_block, deadline_block, predicted_profit, realized_net,
                          included_block, included_hash, included_at, final_at)
     values ($1, $2, $3, $4, $5, $6, '{}'::jsonb, $2, $7, 100, 102, 1000, $8, 101, $9, $10, $11)`,
    [chain, ACCOUNT, `figures|${chain}|${nonce}`, session, nonce, state, WETH, realizedNet, `0x${nonce.toString(16).padStart(64, '0')}`, includedAt, finalAt],
  );
}

forEachBackend('protection figures from the ledger (live)', (db) => {
  it('count every live session of the chain since UTC midnight, not only the newest, and what is mined but not final: a restart keeps the day\'s loss', async () => {
    const now = new Date();
    const yesterday = new Date(now.getTime() - 26 * 3_600_000);
    const first = await enterModeSession(db.store, 'live', CHAIN);
    await settled(db.store, CHAIN, first.id, 1, 'failed', -300n, now);
    await settled(db.store, CHAIN, first.id, 2, 'confirmed', 120n, yesterday);
    // The restart: a new live session on the same chain.
    const second = await enterModeSession(db.store, 'live', CHAIN);
    await settled(db.store, CHAIN, second.id, 3, 'failed', -200n, now);
    // Mined and reverted, not final yet: counted already (the executor counts at mining).
    const { rows: [pending] } = await db.store.query<{ id: bigint }>(
      `insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token, plan_block, deadline_block, predicted_profit, realized_net, receipt_status, included_block)
       values ($1, $2, 'figures|pending', $3, 4, 'unconfirmed', '{}'::jsonb, $2, $4, 100, 102, 1000, -50, 'reverted', 101) returning id`, [CHAIN, ACCOUNT, second.id, WETH]);
    const { rows: [attempt] } = await db.store.query<{ id: bigint }>(
      `insert into intent_attempts (intent_id, kind, raw_tx, tx_hash, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, created_block)
       values ($1, 'execute', '0x02', $2, 21000, 2, 1, 100) returning id`, [pending!.id, `0x${'77'.repeat(32)}`]);
    await db.store.query('update intents set settled_attempt = $2 where id = $1', [pending!.id, attempt!.id]);
    // Another chain's session in the same database counts for that chain only.
    const other = await enterModeSession(db.store, 'live', 10);
    await settled(db.store, 10, other.id, 1, 'failed', -5_000n, now);

    const figures = await readFiguresFromLedger(db.store, second.id, 10, now, 'live');
    expect(figures.dailyPnl).toEqual(new Map([[WETH, -550n]]));
    // The revert window holds both sessions' outcomes of this chain, oldest first (the mined one last).
    expect(figures.recentOutcomes.map((o) => [o.reverted, o.pnl])).toEqual([[false, 120n], [true, -300n], [true, -200n], [true, -50n]]);
    // The chain given outright reads the same.
    expect((await readFiguresFromLedger(db.store, second.id, 10, now, 'live', CHAIN)).dailyPnl).toEqual(figures.dailyPnl);
  });

  it('date an outcome by its inclusion: a trade included before 00:00 UTC and final after it is in the day it was included, as the executor counted it at mining', async () => {
    const session = await enterModeSession(db.store, 'live', 5);
    // Included at 23:59:50, final 2 min 30 s later (the next day).
    await settled(db.store, 5, session.id, 1, 'failed', -700n, new Date('2026-11-30T23:59:50Z'), new Date('2026-12-01T00:02:20Z'));
    const sameDay = await readFiguresFromLedger(db.store, session.id, 10, new Date('2026-11-30T23:59:59Z'), 'live', 5);
    expect(sameDay.dailyPnl).toEqual(new Map([[WETH, -700n]]));
    const nextDay = await readFiguresFromLedger(db.store, session.id, 10, new Date('2026-12-01T00:05:00Z'), 'live', 5);
    expect(nextDay.dailyPnl).toEqual(new Map());
    expect(nextDay.recentOutcomes.map((o) => o.at.toISOString())).toEqual(['2026-11-30T23:59:50.000Z']);
  });
});
