import { expect, it } from 'vitest';
import { listExecutions } from '../../desk/executions.ts';
import { pnlRows } from '../../desk/pnl.ts';
import { loadMigrations } from '../../store/migrate.ts';
import { forEachBackend } from '../../store/test-store.ts';
import { syncExecutionRows } from './execution-rows.ts';
import { IntentStore, raiseWriterEpoch } from './intent-store.ts';
import { plannedInLedger, testAttemptSigner } from './testing/planned-intent.ts';

/**
 * The ledger's execution row of a live intent, as the desk reads it: the gas paid is in wei of
 * the chain's native token, and the live P&L's net is the realized profit less that gas in the
 * base token (it was less the scanner's estimate). A route whose base token is not the native one (USDC, say) converts
 * the gas at a rate: the intent keeps both figures, and the row must carry the wei (it carried
 * the base-token figure, which the desk showed as "native": a USDC route's gas looked free).
 */

const CHAIN = 31337;
const signed = testAttemptSigner(CHAIN);

forEachBackend('live execution rows', (db) => {
  it('carry the gas paid in wei, whatever the base token\'s rate; the desk shows that figure as native', async () => {
    const { session, plan } = await plannedInLedger(db.store, CHAIN, 91, 191n);
    const intents = new IntentStore(db.store, CHAIN, plan.from, await raiseWriterEpoch(db.store, CHAIN, plan.from));
    await intents.initNonce(0n);
    const { intent, attempt } = (await intents.createIntent({ plan, opportunityKey: 'gas-units|91', modeSession: session.id, simulatedProfit: plan.expectedProfit, sign: signed }))!;
    // 150,000 gas at 20 gwei, paid in ether; the base token is worth 2,500 of its base units per
    // 10^15 wei (a 6-decimal stablecoin at 2,500 per ether): two different numbers.
    const gasUsed = 150_000n;
    const effectiveGasPrice = 20n * 10n ** 9n;
    const gasCostWei = gasUsed * effectiveGasPrice;
    const gasCostBase = (gasCostWei * 2_500n) / 10n ** 15n;
    expect(gasCostBase).not.toBe(gasCostWei);
    const realizedProfit = plan.expectedProfit;
    await intents.recordInclusion(intent, {
      attemptId: attempt.id, block: 192n, blockHash: `0x${'22'.repeat(32)}`, status: 'success', realizedProfit,
      gasUsed, effectiveGasPrice, gasCostWei, gasCostBase, realizedNet: realizedProfit - gasCostBase,
    });
    expect(await syncExecutionRows(intents, [intent.id])).toEqual([intent.id]);

    const { rows } = await db.store.query<{ gas_cost: bigint }>('select gas_cost from executions where intent_id = $1', [intent.id], { bigint: ['gas_cost'] });
    expect(rows[0]!.gas_cost).toBe(gasUsed * effectiveGasPrice);
    const page = await listExecutions(db.store, { limit: 10, mode: 'live' });
    expect(page.rows[0]!.gas.cost?.raw).toBe(gasCostWei.toString());
    const [pnl] = await pnlRows(db.store, { mode: 'live', group: 'session' });
    expect(pnl!.gasPaid?.raw).toBe(gasCostWei.toString());
    // The live net is the realized profit less the gas paid in the base token, not the plan's estimate.
    expect(plan.gasCost).not.toBe(gasCostBase);
    expect(pnl!.gas.raw).toBe(gasCostBase.toString());
    expect(pnl!.gasEstimate.raw).toBe(plan.gasCost.toString());
    expect(pnl!.net.raw).toBe((realizedProfit - gasCostBase).toString());

    // A row the old writer wrote (the base-token figure) is set to the wei by migration 0015.
    await db.store.query('update executions set gas_cost = $2 where intent_id = $1', [intent.id, gasCostBase]);
    await db.store.exec(loadMigrations().find((m) => m.version === 15)!.sql);
    const { rows: fixed } = await db.store.query<{ gas_cost: bigint }>('select gas_cost from executions where intent_id = $1', [intent.id], { bigint: ['gas_cost'] });
    expect(fixed[0]!.gas_cost).toBe(gasCostWei);
  });
});
