import { keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createLedgerWriter } from '../../../ledger/ledger-writer.ts';
import { enterModeSession } from '../../../ledger/mode-session.ts';
import type { ModeSession } from '../../../ledger/records.ts';
import { sampleOpportunity, samplePlan, sampleResult } from '../../../ledger/testing/sample-records.ts';
import type { Plan } from '../../../orchestrator/plan.ts';
import type { Store } from '../../../store/types.ts';
import type { NewAttempt } from '../intent-store.ts';

/**
 * TEST CODE — what the intent-store tests sign and record around an intent, without a chain: a
 * test key's attempt and a plan the ledger holds as the engine's ledger writer writes it.
 */

/** Test key only (anvil's account 3): the nonce rules, not the signature, are under test with it. */
export const TEST_ACCOUNT = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');

/** A signer for `createIntent`: a 0 transfer to itself on `nonce`, as an `execute` attempt. */
export function testAttemptSigner(chainId: number): (nonce: bigint) => Promise<NewAttempt> {
  return async (nonce) => {
    const rawTx = await TEST_ACCOUNT.signTransaction({ type: 'eip1559', chainId, nonce: Number(nonce), to: TEST_ACCOUNT.address, gas: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, value: 0n });
    return { kind: 'execute', rawTx, txHash: keccak256(rawTx), gasLimit: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, createdBlock: 100n };
  };
}

/**
 * A live mode session whose ledger holds sample opportunity `n` sighted, planned at `block` and
 * simulated fine (the decision row an execution row links to by calldata and sender); its plan.
 */
export async function plannedInLedger(store: Store, chainId: number, n: number, block: bigint): Promise<{ session: ModeSession; plan: Plan }> {
  const session = await enterModeSession(store, 'live', chainId);
  const writer = createLedgerWriter({ store, session });
  const opportunity = sampleOpportunity(n);
  const plan = samplePlan(opportunity, block);
  const ref = writer.sighted({ opportunity, block, gasPrice: 2n * 10n ** 9n, at: new Date() });
  writer.simulated(writer.decided(ref, { decision: { outcome: 'planned', plan }, block, at: new Date() }), { kind: 'result', result: sampleResult(plan, true), at: new Date() });
  await writer.flush();
  return { session, plan };
}
