import { syncExecutionRows } from '../../executor/live/execution-rows.ts';
import { IntentStore, raiseWriterEpoch, type Intent } from '../../executor/live/intent-store.ts';
import { plannedInLedger, testAttemptSigner } from '../../executor/live/testing/planned-intent.ts';
import type { ModeSession } from '../../ledger/records.ts';
import type { Plan } from '../../orchestrator/plan.ts';
import type { Store } from '../../store/types.ts';

/**
 * TEST CODE — a live trade as the live executor writes it (intent store, execution rows): sample
 * opportunity `n` planned in a live session, its intent created and included in a block with
 * `realized` profit and `gasBase` gas in the base token, its execution row synced.
 */
export interface LiveTrade {
  session: ModeSession;
  plan: Plan;
  intents: IntentStore;
  intent: Intent;
  chainId: number;
}

export async function liveTrade(store: Store, n: number, figures: { realized: bigint; gasBase: bigint; block?: bigint; reverted?: boolean }): Promise<LiveTrade> {
  const chainId = 31337;
  const { session, plan } = await plannedInLedger(store, chainId, n, 190n);
  const intents = new IntentStore(store, chainId, plan.from, await raiseWriterEpoch(store, chainId, plan.from));
  const { rows } = await store.query<{ n: string }>('select count(*)::text as n from intents where chain_id = $1', [chainId]);
  await intents.initNonce(BigInt(rows[0]!.n));
  const created = await intents.createIntent({ plan, opportunityKey: `trade|${n}`, modeSession: session.id, simulatedProfit: plan.expectedProfit, sign: testAttemptSigner(chainId) });
  if (created === null || created === undefined) throw new Error(`intent of trade ${n} not created`);
  const { intent, attempt } = created;
  await intents.recordInclusion(intent, {
    attemptId: attempt.id, block: figures.block ?? 191n, blockHash: `0x${n.toString(16).padStart(64, '0')}`, status: figures.reverted === true ? 'reverted' : 'success', realizedProfit: figures.realized,
    gasUsed: 100_000n, effectiveGasPrice: 1n, gasCostWei: 100_000n, gasCostBase: figures.gasBase, realizedNet: figures.realized - figures.gasBase,
  });
  await syncExecutionRows(intents, [intent.id]);
  return { session, plan, intents, intent, chainId };
}

/** Sets the trade's inclusion time, as a writer giving the block's timestamp in the update that records the inclusion does. */
export async function includedAt(store: Store, trade: LiveTrade, at: string): Promise<void> {
  await store.query("update intents set included_block = 192, included_hash = '0x' || repeat('ab', 32), included_at = $2 where id = $1", [trade.intent.id, at]);
}
