import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { settledOutcome } from '../executor/live/settled-outcome.ts';
import type { SettledIntent } from '../executor/live/live-executor.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { DEFAULT_LIMITS } from '../orchestrator/limits.ts';
import { forEachBackend } from '../store/test-store.ts';
import { openProtections } from './protections-service.ts';

/**
 * An execution mined before a restart and not final yet (ORION_CONFIRMATIONS, default 12 blocks)
 * is in the ledger's figures the restarted protections read (the executor counts at mining), and
 * the new process's live executor tells them of it again (its memory of what it told starts
 * empty): the engine's onSettled hook (engine.ts) hands that to observeOutcome. Before, it was
 * counted twice: a profit counted twice let the daily-loss limit allow that much more loss; a
 * loss or a revert counted twice tripped the breakers early. An intent the ledger did not count
 * yet is counted when told.
 */
const CHAIN = 31337;
const WETH = `0x${'0a'.repeat(20)}`;
const ACCOUNT = `0x${'a1'.repeat(20)}`;

forEachBackend('live restart with a mined, not final execution', (db) => {
  it('counts its realized net once in the day\'s P&L', async () => {
    const session = await enterModeSession(db.store, 'live', CHAIN);
    // Mined and confirmed (+700), not final yet: what the previous process left (recordInclusion).
    const { rows: [intent] } = await db.store.query<{ id: bigint }>(
      `insert into intents (chain_id, account, opportunity_key, mode_session, nonce, state, plan, executor, base_token, plan_block, deadline_block, predicted_profit, realized_net, receipt_status, included_block)
       values ($1, $2, 'a>b|v2-flash-swap||1,2', $3, 4, 'unconfirmed', '{}'::jsonb, $2, $4, 100, 102, 1000, 700, 'success', 101) returning id`, [CHAIN, ACCOUNT, session.id, WETH]);
    const { rows: [attempt] } = await db.store.query<{ id: bigint }>(
      `insert into intent_attempts (intent_id, kind, raw_tx, tx_hash, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, created_block)
       values ($1, 'execute', '0x02', $2, 21000, 2, 1, 100) returning id`, [intent!.id, `0x${'77'.repeat(32)}`]);
    await db.store.query('update intents set settled_attempt = $2 where id = $1', [intent!.id, attempt!.id]);

    // The restart: the protections open on the ledger...
    const protections = await openProtections({
      store: db.store, chainId: CHAIN, session: session.id, mode: 'live', dataDir: mkdtempSync(join(tmpdir(), 'orion-live-restart-')),
      seed: { ...DEFAULT_LIMITS, maxDailyLoss: { [WETH]: 1000n } }, tokens: () => new TokenDirectory([]),
    });
    expect(protections.status().dailyPnl.byToken[WETH]).toBe('700');
    // ...then the new live executor finalizes the same intent and tells them (engine.ts onSettled).
    const settled = { intent: { id: intent!.id, opportunityKey: 'a>b|v2-flash-swap||1,2', baseToken: WETH, planBlock: 100n }, state: 'confirmed', inclusion: { block: 101n, realizedNet: 700n } } as unknown as SettledIntent;
    protections.observeOutcome(settledOutcome(settled));
    expect(protections.status().dailyPnl.byToken[WETH]).toBe('700');
    // Another intent, mined after the restart: counted.
    const later = { intent: { id: intent!.id + 1n, opportunityKey: 'a>b|v2-flash-swap||1,3', baseToken: WETH, planBlock: 103n }, state: 'failed', inclusion: { block: 104n, realizedNet: -50n } } as unknown as SettledIntent;
    protections.observeOutcome(settledOutcome(later));
    expect(protections.status().dailyPnl.byToken[WETH]).toBe('650');
  });
});
