import { keccak256, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect, it } from 'vitest';
import type { Plan } from '../../orchestrator/plan.ts';
import { forEachBackend } from '../../store/test-store.ts';
import type { Store } from '../../store/types.ts';
import { recordSubmission, replacementUuidOf } from './bundle-submitter.ts';
import { syncExecutionRows } from './execution-rows.ts';
import { recordInclusionFailure, type InclusionFailure } from './inclusion-feedback.ts';
import { IntentStore, raiseWriterEpoch, WriterFencedError, type Attempt, type Inclusion, type Intent } from './intent-store.ts';
import { plannedInLedger, TEST_ACCOUNT, testAttemptSigner } from './testing/planned-intent.ts';
import { lostAnswerStore } from '../../store/testing/lost-answer-store.ts';
import { acquireWriterLock } from './writer-lock.ts';

const account = TEST_ACCOUNT;
const CHAIN = 31337;

/** A plan with what the intents table stores (amounts differ per `n`, so each is its own opportunity). */
const plan = (n: number): Plan => ({
  block: { number: 100n, hash: `0x${'11'.repeat(32)}` }, baseToken: '0x4200000000000000000000000000000000000006', executor: '0x00000000000000000000000000000000000000e1',
  from: account.address, calldata: `0x${n.toString(16).padStart(8, '0')}`, deadlineBlock: 102n, expectedProfit: 1000n + BigInt(n), gasCost: 10n, gasUnits: 100n, gasPrice: 1n,
  flash: { kind: 'v2-flash-swap', lender: null, feePips: 3000, fee: 3n }, hops: [], amountIn: BigInt(n),
}) as unknown as Plan;

/** The account's intents as a writer that just took the account (raised its writer epoch) sees them. */
const writerOf = async (store: Store, address: Address): Promise<IntentStore> => new IntentStore(store, CHAIN, address, await raiseWriterEpoch(store, CHAIN, address));

const signed = testAttemptSigner(CHAIN);

/** A relay's address, as bundle_submissions records it (nothing listens there: only the record is under test). */
const RELAY = 'http://127.0.0.1:1/relay';
/** A bundle that missed its target block 195. */
const MISSED: InclusionFailure = { submission: 'bundle', targetBlock: 195n, reason: 'not-included', detail: 'not included (test)', competitorTx: null, competitorSender: null };

forEachBackend('intents: nonces owned by the database', (db) => {
  it('hands out consecutive nonces from the chain\'s count, one per opportunity, never a second for the same one', async () => {
    const intents = await writerOf(db.store, account.address);
    expect(await intents.initNonce(7n)).toBe(7n);
    const a = await intents.createIntent({ plan: plan(1), opportunityKey: 'route|1', modeSession: null, simulatedProfit: 1001n, sign: signed });
    const b = await intents.createIntent({ plan: plan(2), opportunityKey: 'route|2', modeSession: null, simulatedProfit: 1002n, sign: signed });
    expect([a!.intent.nonce, b!.intent.nonce]).toEqual([7n, 8n]);
    expect(await intents.createIntent({ plan: plan(1), opportunityKey: 'route|1', modeSession: null, simulatedProfit: 1001n, sign: signed })).toBeNull();
    // The stored bytes are the signed bytes, and their hash is the transaction's.
    const { rows } = await db.store.query<{ raw_tx: Hex; tx_hash: Hex }>('select raw_tx, tx_hash from intent_attempts where intent_id = $1', [a!.intent.id]);
    expect(rows).toEqual([{ raw_tx: a!.attempt.rawTx, tx_hash: keccak256(a!.attempt.rawTx) }]);
    // A chain behind the database does not lower the next nonce; one ahead raises it.
    expect(await intents.initNonce(3n)).toBe(9n);
    expect(await intents.initNonce(12n)).toBe(12n);
  });

  it('a signing failure inside the intent\'s transaction writes nothing and uses no nonce', async () => {
    const intents = await writerOf(db.store, account.address);
    const before = await intents.initNonce(0n);
    await expect(intents.createIntent({ plan: plan(3), opportunityKey: 'route|3', modeSession: null, simulatedProfit: null, sign: () => Promise.reject(new Error('signer unavailable')) }))
      .rejects.toThrow('signer unavailable');
    expect(await intents.exists('route|3')).toBe(false);
    const next = await intents.createIntent({ plan: plan(3), opportunityKey: 'route|3', modeSession: null, simulatedProfit: null, sign: signed });
    expect(next!.intent.nonce).toBe(before);
  });

  it('a commit whose answer was lost is read back (tracked, nonce advanced); one that never ran is an error that uses no nonce', async () => {
    // An account of its own: the other cases' nonces stay as they expect them.
    const own = privateKeyToAccount(generatePrivateKey());
    const lossy = lostAnswerStore(db.store);
    const intents = await writerOf(lossy, own.address);
    const start = await intents.initNonce(40n);
    lossy.loseNext('orion_create_intent', 'before');
    await expect(intents.createIntent({ plan: plan(41), opportunityKey: 'lost|41', modeSession: null, simulatedProfit: null, sign: signed }))
      .rejects.toThrow(/connection terminated unexpectedly/);
    expect(await intents.exists('lost|41')).toBe(false);
    lossy.loseNext('orion_create_intent', 'after');
    const kept = await intents.createIntent({ plan: plan(42), opportunityKey: 'lost|42', modeSession: null, simulatedProfit: null, sign: signed });
    // The one that never ran used no nonce; the one whose answer was lost is the database's row.
    expect(kept!.intent.nonce).toBe(start);
    expect(kept!.attempt.txHash).toBe(keccak256(kept!.attempt.rawTx));
    expect((await intents.openIntents()).map((i) => [i.id, i.nonce, i.attempts[0]!.id])).toEqual([[kept!.intent.id, start, kept!.attempt.id]]);
    const next = await intents.createIntent({ plan: plan(43), opportunityKey: 'lost|43', modeSession: null, simulatedProfit: null, sign: signed });
    expect(next!.intent.nonce).toBe(start + 1n);
  });

  it('a withdraw whose answer was lost is read back: gone means withdrawn (the nonce is used again); one that never ran is an error and the intent stays', async () => {
    const own = privateKeyToAccount(generatePrivateKey());
    const lossy = lostAnswerStore(db.store);
    const intents = await writerOf(lossy, own.address);
    const start = await intents.initNonce(60n);
    const first = await intents.createIntent({ plan: plan(61), opportunityKey: 'withdraw|61', modeSession: null, simulatedProfit: null, sign: signed });
    lossy.loseNext('delete from intent_attempts', 'before');
    await expect(intents.withdraw(first!.intent)).rejects.toThrow(/connection terminated unexpectedly/);
    expect(await intents.exists('withdraw|61')).toBe(true);
    lossy.loseNext('delete from intent_attempts', 'after');
    await intents.withdraw(first!.intent);
    expect(await intents.exists('withdraw|61')).toBe(false);
    // The nonce the withdrawn intent held is the next one's, in memory and in the database.
    const next = await intents.createIntent({ plan: plan(62), opportunityKey: 'withdraw|62', modeSession: null, simulatedProfit: null, sign: signed });
    expect(next!.intent.nonce).toBe(start);
    expect((await intents.openIntents()).map((i) => i.nonce)).toEqual([start]);
  });

  it('open intents come back by nonce with their attempts; a settled one does not', async () => {
    const intents = await writerOf(db.store, account.address);
    const open = await intents.openIntents();
    expect(open.map((i) => i.nonce)).toEqual([7n, 8n, 12n]);
    expect(open.every((i) => i.attempts.length === 1 && i.state === 'in_progress')).toBe(true);
    await intents.finalize(open[0]!, 'dropped', 'test');
    expect((await intents.openIntents()).map((i) => i.nonce)).toEqual([8n, 12n]);
  });

  it('one live writer per (chain, account): a second is refused while the first holds the lock (PostgreSQL)', async () => {
    // An account of its own: the lock is the database's, not the schema's, and the devnet tests
    // running beside this file hold anvil's accounts' locks while their live executors run.
    const writer = privateKeyToAccount(generatePrivateKey()).address;
    const first = await acquireWriterLock(db.store, CHAIN, writer);
    if (db.backend === 'postgres') {
      await expect(acquireWriterLock(db.store, CHAIN, writer)).rejects.toThrow(/another process holds the live writer lock/);
      // Another account is another writer.
      const other = await acquireWriterLock(db.store, CHAIN, '0x00000000000000000000000000000000000000aa');
      await other.release();
    }
    expect(first.held()).toBe(true);
    await first.release();
    const again = await acquireWriterLock(db.store, CHAIN, writer);
    await again.release();
  });

  it('an execution row older than its intent (a restart between a settlement and the ledger\'s update) is found behind and caught up', async () => {
    // The ledger's decision row the execution row links to, as the engine's ledger writer writes it.
    const { session, plan } = await plannedInLedger(db.store, CHAIN, 77, 177n);
    const intents = await writerOf(db.store, plan.from);
    await intents.initNonce(0n);
    const { intent } = (await intents.createIntent({ plan, opportunityKey: 'behind|77', modeSession: session.id, simulatedProfit: plan.expectedProfit, sign: signed }))!;
    const statusOf = async (): Promise<string | undefined> => (await db.store.query<{ status: string }>('select status from executions where intent_id = $1', [intent.id])).rows[0]?.status;
    // No row yet: behind.
    expect(await intents.executionRowsBehind()).toEqual([intent.id]);
    expect(await syncExecutionRows(intents, [intent.id])).toEqual([intent.id]);
    expect(await statusOf()).toBe('pending');
    // A row written after the intent's last change is not behind (set a second later here: PGlite's
    // clock ticks in milliseconds, and a row of the same tick counts as behind).
    await db.store.query("update executions set updated_at = now() + interval '1 second' where intent_id = $1", [intent.id]);
    expect(await intents.executionRowsBehind()).toEqual([]);
    // Settled, then the process stops before the ledger's update: the row says pending, behind.
    await db.store.query("update executions set updated_at = now() - interval '1 second' where intent_id = $1", [intent.id]);
    await intents.finalize(intent, 'dropped', 'nonce used elsewhere (test)');
    expect(await intents.executionRowsBehind()).toEqual([intent.id]);
    expect(await syncExecutionRows(intents, [intent.id])).toEqual([intent.id]);
    expect(await statusOf()).toBe('dropped');
  });

  it('a writer lock whose session the server ended is lost at once, with its cause; the account is free for the next writer (PostgreSQL)', async () => {
    const writer = privateKeyToAccount(generatePrivateKey()).address;
    const lock = await acquireWriterLock(db.store, CHAIN, writer);
    if (db.backend !== 'postgres') {
      // PGlite's folder lock is the process's: nothing here can end it but the process.
      expect(lock.held()).toBe(true);
      await lock.release();
      return;
    }
    // The server ends the session holding the advisory lock, as idle_in_transaction_session_timeout
    // or an administrator would, while the lock's transaction runs no statement.
    const { rows } = await db.store.query<{ ended: boolean }>(
      `select pg_terminate_backend(pid) as ended from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()
         and objid = (hashtext($1)::bigint & 4294967295)`, [`orion.live:${CHAIN}:${writer.toLowerCase()}`]);
    expect(rows).toEqual([{ ended: true }]);
    const cause = await lock.lost;
    expect(cause.message).toMatch(new RegExp(`live writer lock of ${writer} on chain ${CHAIN} was lost: .*terminat`, 'i'));
    expect(lock.held()).toBe(false);
    // The server agrees the lock is gone: another writer takes it.
    const next = await acquireWriterLock(db.store, CHAIN, writer);
    expect(next.held()).toBe(true);
    await next.release();
    await lock.release();
  });

  it('an intent is committed from the nonce it was signed with, or not at all: a row moved by another writer is an error', async () => {
    // Another account (anvil's account 4), so the nonces of the tests above stay as they are.
    const other = privateKeyToAccount('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a');
    const intents = await writerOf(db.store, other.address);
    expect(await intents.initNonce(5n)).toBe(5n);
    const first = await intents.createIntent({ plan: plan(40), opportunityKey: 'other|40', modeSession: null, simulatedProfit: 1n, sign: signed });
    // What createIntent hands back is what the database holds.
    expect(await intents.openIntents()).toEqual([first!.intent]);
    await db.store.query('update live_accounts set next_nonce = 9 where chain_id = $1 and account = $2', [CHAIN, other.address.toLowerCase()]);
    await expect(intents.createIntent({ plan: plan(41), opportunityKey: 'other|41', modeSession: null, simulatedProfit: 1n, sign: signed }))
      .rejects.toThrow(/next nonce of .* is 9 in the database, not 6: another writer\? nothing was committed/);
    expect(await intents.exists('other|41')).toBe(false);
    // The next try starts from the row's nonce.
    const next = await intents.createIntent({ plan: plan(41), opportunityKey: 'other|41', modeSession: null, simulatedProfit: 1n, sign: signed });
    expect(next!.intent.nonce).toBe(9n);
    expect(next!.attempt.rawTx).toBe(await signed(9n).then((a) => a.rawTx));
  });

  it('an intent committed ahead of its simulation is withdrawn whole: rows gone, nonce given back, reused without a gap; a sent one is not', async () => {
    // Anvil's account 5: nonces of its own.
    const own = privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba');
    const intents = await writerOf(db.store, own.address);
    expect(await intents.initNonce(20n)).toBe(20n);
    const ahead = await intents.createIntent({ plan: plan(50), opportunityKey: 'own|50', modeSession: null, simulatedProfit: null, sign: signed });
    expect(ahead!.intent.nonce).toBe(20n);
    await intents.withdraw(ahead!.intent);
    // Nothing of it is left, and the opportunity is free again.
    expect(await intents.exists('own|50')).toBe(false);
    const attempts = await db.store.query('select 1 from intent_attempts where intent_id = $1', [ahead!.intent.id]);
    expect(attempts.rows).toEqual([]);
    const { rows } = await db.store.query<{ next_nonce: bigint }>('select next_nonce from live_accounts where chain_id = $1 and account = $2', [CHAIN, own.address.toLowerCase()], { bigint: ['next_nonce'] });
    expect(rows[0]!.next_nonce).toBe(20n);
    // The next intent takes the same nonce.
    const next = await intents.createIntent({ plan: plan(51), opportunityKey: 'own|51', modeSession: null, simulatedProfit: null, sign: signed });
    expect(next!.intent.nonce).toBe(20n);
    // Once sent it can no longer be withdrawn, and the simulated profit learned after the commit is stored.
    await intents.markSent(next!.intent, next!.attempt, 777n);
    await expect(intents.withdraw(next!.intent)).rejects.toThrow(/could not be withdrawn/);
    const kept = await db.store.query<{ state: string; simulated_profit: bigint }>('select state, simulated_profit from intents where id = $1', [next!.intent.id], { bigint: ['simulated_profit'] });
    expect(kept.rows).toEqual([{ state: 'unconfirmed', simulated_profit: 777n }]);
    // Nor once a later nonce was taken: the gap it would leave is refused.
    const later = await intents.createIntent({ plan: plan(52), opportunityKey: 'own|52', modeSession: null, simulatedProfit: null, sign: signed });
    await intents.createIntent({ plan: plan(53), opportunityKey: 'own|53', modeSession: null, simulatedProfit: null, sign: signed });
    await expect(intents.withdraw(later!.intent)).rejects.toThrow(/could not be withdrawn/);
    expect(await intents.exists('own|52')).toBe(true);
  });

  // A node's error or a revert reason can hold U+0000, which PostgreSQL refuses in text (22021):
  // before, the write failed, and the send's failure or the intent's outcome went unrecorded.
  it('records a send failure, a refusal and a failure reason holding a NUL character', async () => {
    const own = privateKeyToAccount('0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e');
    const intents = await writerOf(db.store, own.address);
    await intents.initNonce(900n);
    const created = await intents.createIntent({ plan: plan(60), opportunityKey: 'own|60', modeSession: null, simulatedProfit: null, sign: signed });
    const { intent, attempt } = created!;
    await intents.markSendFailed(intent, attempt, 'node said: bad\u0000byte');
    await intents.markRefused(intent, 'simulation reverted: Error("\u0000")');
    await intents.finalize(intent, 'failed', 'mined and reverted: \u0000');
    const { rows } = await db.store.query<{ last_error: string; refused_reason: string; failure_reason: string }>(
      'select a.last_error, i.refused_reason, i.failure_reason from intents i join intent_attempts a on a.intent_id = i.id where i.id = $1', [intent.id]);
    expect(rows).toEqual([{ last_error: 'node said: bad\\u0000byte', refused_reason: 'simulation reverted: Error("\\u0000")', failure_reason: 'mined and reverted: \\u0000' }]);
  });
});

forEachBackend('intents: the writer fenced by its epoch', (db) => {
  const nonceOf = async (address: Address): Promise<bigint | undefined> => (await db.store.query<{ next_nonce: bigint }>(
    'select next_nonce from live_accounts where chain_id = $1 and account = $2', [CHAIN, address.toLowerCase()], { bigint: ['next_nonce'] })).rows[0]?.next_nonce;

  /** The intent's row and its attempts' rows, as the current writer reads them. */
  const intentRows = async (id: bigint): Promise<unknown[]> => [
    ...(await db.store.query('select * from intents where id = $1', [id])).rows,
    ...(await db.store.query('select * from intent_attempts where intent_id = $1 order by id', [id])).rows,
  ];
  /**
   * Every status write of the fenced-out writer `stale` on `intent` (its attempt `attempt`) is
   * refused with a WriterFencedError: a send recorded (accepted or unknown), a receipt, a reorg
   * putting it back to pending, a settlement, a refusal.
   */
  async function expectStatusWritesFenced(stale: IntentStore, intent: Intent, attempt: Attempt): Promise<void> {
    const inclusion: Inclusion = {
      attemptId: attempt.id, block: 101n, blockHash: `0x${'22'.repeat(32)}`, status: 'reverted', realizedProfit: 0n, gasUsed: 21_000n,
      effectiveGasPrice: 2n, gasCostWei: 42_000n, gasCostBase: 42_000n, realizedNet: -42_000n,
    };
    const writes: [string, () => Promise<void>][] = [
      ['markSent', () => stale.markSent({ ...intent }, { ...attempt }, 9n)],
      ['markSendFailed', () => stale.markSendFailed({ ...intent }, { ...attempt }, 'a 500 (test)', 9n)],
      ['recordInclusion', () => stale.recordInclusion({ ...intent }, inclusion)],
      ['clearInclusion', () => stale.clearInclusion({ ...intent })],
      ['finalize', () => stale.finalize({ ...intent }, 'failed', 'mined and reverted (test)')],
      ['markRefused', () => stale.markRefused({ ...intent }, 'refused (test)')],
    ];
    for (const [name, write] of writes) {
      const outcome = await write().then(() => 'written', (error: unknown) => error);
      expect(outcome, name).toBeInstanceOf(WriterFencedError);
      expect((outcome as Error).message, name).toMatch(/live writer fenced: the writer epoch of .* is \d+, this writer holds \d+/);
    }
  }

  /** What was recorded beside the intent: its bundle submissions, inclusion feedback and execution row. */
  const recordedOf = async (intentId: bigint, attemptId: bigint): Promise<unknown[]> => [
    ...(await db.store.query('select * from bundle_submissions where attempt_id = $1 order by id', [attemptId])).rows,
    ...(await db.store.query('select * from inclusion_feedback where intent_id = $1 order by id', [intentId])).rows,
    ...(await db.store.query('select * from executions where intent_id = $1', [intentId])).rows,
  ];
  /**
   * Every record the fenced-out writer `stale` could write beside `intent` is refused with a
   * WriterFencedError: a relay's answer for a target block (one recorded already, and a new one),
   * an inclusion failure, the ledger's execution row.
   */
  async function expectRecordWritesFenced(stale: IntentStore, intent: Intent, attempt: Attempt): Promise<void> {
    const writes: [string, () => Promise<unknown>][] = [
      ['recordSubmission', () => recordSubmission(stale, attempt, { relay: RELAY, block: 195n, replacementUuid: replacementUuidOf(attempt.txHash, 195n) }, { outcome: 'reverted', error: 'stale writer (test)' }, null)],
      ['recordSubmission, a new block', () => recordSubmission(stale, attempt, { relay: RELAY, block: 196n, replacementUuid: replacementUuidOf(attempt.txHash, 196n) }, { outcome: 'ok' }, { ok: false, error: 'stale writer (test)' })],
      ['recordInclusionFailure', () => recordInclusionFailure(stale, intent.id, attempt.id, { ...MISSED, targetBlock: 196n, detail: 'stale writer (test)' })],
      ['syncExecutionRows', () => syncExecutionRows(stale, [intent.id])],
    ];
    const outcomes: Record<string, string> = {};
    for (const [name, write] of writes) {
      outcomes[name] = await write().then(() => 'written', (error: unknown) => (error instanceof WriterFencedError && /live writer fenced: the writer epoch of .* is \d+, this writer holds \d+/.test(error.message)
        ? 'fenced' : `other: ${String(error)}`));
    }
    expect(outcomes).toEqual(Object.fromEntries(writes.map(([name]) => [name, 'fenced'])));
  }

  // PostgreSQL only: PGlite's lock is the process's folder lock, which nothing ends but the process.
  it('a writer whose lock session the server ended is refused by the database once another writer took the lock, before it hears of the loss (PostgreSQL)', async () => {
    if (db.backend !== 'postgres') return;
    const own = privateKeyToAccount(generatePrivateKey());
    const lockA = await acquireWriterLock(db.store, CHAIN, own.address);
    // Writer A's intents, driven directly: they never ask A's lock whether it is still held, so
    // this is A's next commit in the window before A hears its session ended.
    const a = new IntentStore(db.store, CHAIN, own.address, lockA.epoch);
    await a.initNonce(30n);
    const first = await a.createIntent({ plan: plan(70), opportunityKey: 'fence|70', modeSession: null, simulatedProfit: null, sign: signed });
    expect(first!.intent.nonce).toBe(30n);
    const { rows } = await db.store.query<{ ended: boolean }>(
      `select pg_terminate_backend(pid) as ended from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()
         and objid = (hashtext($1)::bigint & 4294967295)`, [`orion.live:${CHAIN}:${own.address.toLowerCase()}`]);
    expect(rows).toEqual([{ ended: true }]);
    // The server released the lock (the session is gone) and writer B takes it.
    await lockA.lost;
    const lockB = await acquireWriterLock(db.store, CHAIN, own.address);
    try {
      const b = new IntentStore(db.store, CHAIN, own.address, lockB.epoch);
      expect(await b.initNonce(30n)).toBe(31n);
      // A's commit from its own nonce view (31) is refused: nothing written, the nonce row unmoved.
      await expect(a.createIntent({ plan: plan(71), opportunityKey: 'fence|71', modeSession: null, simulatedProfit: null, sign: signed }))
        .rejects.toThrow(/live writer fenced: the writer epoch of .* is \d+, this writer holds \d+/);
      expect(await a.exists('fence|71')).toBe(false);
      expect(await nonceOf(own.address)).toBe(31n);
      // Nor can A add an attempt (a replacement or cancellation) or withdraw its intent (move the nonce back).
      await expect(a.addAttempt(first!.intent, { ...(await signed(30n)), kind: 'cancel', txHash: keccak256('0x0a') })).rejects.toThrow(/live writer fenced/);
      await expect(a.withdraw(first!.intent)).rejects.toThrow(/live writer fenced/);
      expect((await b.openIntents()).map((i) => [i.nonce, i.attempts.length])).toEqual([[30n, 1]]);
      expect(await nonceOf(own.address)).toBe(31n);
      // Nor record anything of it: every status write of A is refused and changes nothing B reads.
      const rowsBefore = await intentRows(first!.intent.id);
      await expectStatusWritesFenced(a, first!.intent, first!.attempt);
      expect(await intentRows(first!.intent.id)).toEqual(rowsBefore);
      // Nor the records beside it: a relay's answer, an inclusion failure, the execution row.
      const recordedBefore = await recordedOf(first!.intent.id, first!.attempt.id);
      await expectRecordWritesFenced(a, first!.intent, first!.attempt);
      expect(await recordedOf(first!.intent.id, first!.attempt.id)).toEqual(recordedBefore);
      // B commits from the row's nonce.
      const next = await b.createIntent({ plan: plan(71), opportunityKey: 'fence|71', modeSession: null, simulatedProfit: null, sign: signed });
      expect(next!.intent.nonce).toBe(31n);
    } finally {
      await lockB.release();
      await lockA.release();
    }
  });

  it('a later writer on the account (its epoch raised) fences out the earlier one: each write refused with a WriterFencedError, nothing written', async () => {
    const own = privateKeyToAccount(generatePrivateKey());
    const a = await writerOf(db.store, own.address);
    await a.initNonce(5n);
    const first = await a.createIntent({ plan: plan(80), opportunityKey: 'epoch|80', modeSession: null, simulatedProfit: null, sign: signed });
    const b = await writerOf(db.store, own.address);
    expect(b.writerEpoch).toBe(a.writerEpoch + 1n);
    await expect(a.createIntent({ plan: plan(81), opportunityKey: 'epoch|81', modeSession: null, simulatedProfit: null, sign: signed })).rejects.toBeInstanceOf(WriterFencedError);
    await expect(a.withdraw(first!.intent)).rejects.toBeInstanceOf(WriterFencedError);
    await expect(a.addAttempt(first!.intent, { ...(await signed(5n)), kind: 'cancel', txHash: keccak256('0x0b') })).rejects.toBeInstanceOf(WriterFencedError);
    await expect(a.initNonce(9n)).rejects.toBeInstanceOf(WriterFencedError);
    expect(await nonceOf(own.address)).toBe(6n);
    expect((await b.openIntents()).map((i) => [i.nonce, i.attempts.length])).toEqual([[5n, 1]]);
    // The status writes too: A can neither mark it sent, failed, settled, re-opened nor refused.
    const rowsBefore = await intentRows(first!.intent.id);
    await expectStatusWritesFenced(a, first!.intent, first!.attempt);
    expect(await intentRows(first!.intent.id)).toEqual(rowsBefore);
    // B's own status writes go through (the same statements).
    await b.markSendFailed(first!.intent, first!.attempt, 'a 429 (test)', 5n);
    await b.markRefused(first!.intent, 'refused (test)');
    expect((await b.openIntents()).map((i) => [i.simulatedProfit, i.refused, i.attempts[0]!.broadcasts])).toEqual([[5n, 'refused (test)', 1]]);
    await db.store.query('update intents set simulated_profit = null, refused_reason = null where id = $1', [first!.intent.id]);
    await db.store.query('update intent_attempts set broadcasts = 0, last_error = null where intent_id = $1', [first!.intent.id]);
    // The current writer's writes go through.
    expect(await b.initNonce(5n)).toBe(6n);
    await b.withdraw(first!.intent);
    expect(await nonceOf(own.address)).toBe(5n);
  });

  it('a fenced-out writer records no bundle submission, no inclusion feedback and no execution row: the new writer\'s rows stay as it wrote them', async () => {
    // An intent the ledger links to its decision (so its execution row is written), of an account of its own.
    const { session, plan: planned } = await plannedInLedger(db.store, CHAIN, 94, 194n);
    const own = privateKeyToAccount(generatePrivateKey());
    const ownPlan = { ...planned, from: own.address } as Plan;
    await db.store.query('update decisions set sender = $2 where mode_session = $1', [session.id, own.address.toLowerCase()]);
    const a = await writerOf(db.store, own.address);
    await a.initNonce(0n);
    const { intent, attempt } = (await a.createIntent({ plan: ownPlan, opportunityKey: 'records|94', modeSession: session.id, simulatedProfit: ownPlan.expectedProfit, sign: signed }))!;
    // Writer B takes the account and records what the relay and the chain said, and the execution row.
    const b = await writerOf(db.store, own.address);
    await recordSubmission(b, attempt, { relay: RELAY, block: 195n, replacementUuid: replacementUuidOf(attempt.txHash, 195n) }, { outcome: 'ok' }, { ok: true, bundleHash: `0x${'b1'.repeat(32)}` });
    expect(await recordInclusionFailure(b, intent.id, attempt.id, { ...MISSED, detail: 'B: not included (test)' })).toBe(true);
    await b.finalize(intent, 'dropped', 'B: the nonce went elsewhere (test)');
    expect(await syncExecutionRows(b, [intent.id])).toEqual([intent.id]);
    const before = await recordedOf(intent.id, attempt.id);
    expect(before).toHaveLength(3);
    expect(before[2]).toMatchObject({ status: 'dropped' });

    // A, fenced out, writes each of them over B's (the same attempt, relay and block; a new target
    // block; the execution row from its own sync): each refused, nothing written.
    await expectRecordWritesFenced(a, intent, attempt);
    expect(await recordedOf(intent.id, attempt.id)).toEqual(before);
  });
});
