import { storableText } from '../../store/storable-text.ts';
import type { Address, Hex } from 'viem';
import { RuntimeFault } from '../../errors.ts';
import type { Plan } from '../../orchestrator/plan.ts';
import type { ResendFacts } from '../../orchestrator/protection.ts';
import type { Queryable, SqlParam, Store } from '../../store/types.ts';

/**
 * The intents and attempts tables (migration 0007) and the nonce they own. A nonce is taken
 * from `live_accounts` under that row's lock, in the same transaction that inserts the intent
 * and its first signed attempt: once `createIntent` resolves, the database holds the exact bytes
 * about to be sent; if it throws, nothing was written and no nonce was used.
 */

/**
 * The database refused a write of this writer: another writer raised the account's epoch since
 * this one took the writer lock (its lock was lost, whether or not it heard so yet). Nothing was
 * written; this writer must send and track nothing more.
 */
export class WriterFencedError extends RuntimeFault {}

/** SQLSTATE of the fencing refusal (`orion_check_writer`, migration 0013). */
const FENCED = 'OR001';

/** The gate of each write of `IntentStore.fencedWrite`: true only while the writer's epoch is the account row's. */
export const WRITER_HOLDS = 'exists (select 1 from writer)';

/** The fencing refusal as a WriterFencedError (any other error unchanged). */
function fenced(error: unknown): unknown {
  if (error instanceof WriterFencedError) return error;
  if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === FENCED) {
    const message = error instanceof Error ? error.message.replace(/^query failed: /, '').replace(/ \[OR001\] in: .*$/, '') : String(error);
    return new WriterFencedError(message, { cause: error });
  }
  return error;
}

/**
 * Raises the account's writer epoch and returns it: what a writer does right after it takes the
 * writer lock, before it reads the nonce or the intents (writer-lock.ts). Every write that moves
 * the nonce, adds an attempt or records an intent's status names this epoch and is refused once a
 * later writer raised it.
 * Creates the account's row when there is none (its nonce then set by `initNonce`).
 */
export async function raiseWriterEpoch(store: Store, chainId: number, account: Address): Promise<bigint> {
  const { rows } = await store.query<{ writer_epoch: bigint }>(
    `insert into live_accounts (chain_id, account, next_nonce, writer_epoch) values ($1, $2, 0, 1)
     on conflict (chain_id, account) do update set writer_epoch = live_accounts.writer_epoch + 1, updated_at = now()
     returning writer_epoch`,
    [chainId, lower(account)], { bigint: ['writer_epoch'] },
  );
  return rows[0]!.writer_epoch;
}

export type IntentState = 'in_progress' | 'unconfirmed' | 'confirmed' | 'failed' | 'dropped';
export type AttemptKind = 'execute' | 'replacement' | 'cancel';

/** A stored signed transaction of an intent. */
export interface Attempt extends NewAttempt {
  id: bigint;
  intentId: bigint;
  sentAt: Date | null;
  broadcasts: number;
}

/** An intent with what tracking needs. */
export interface Intent {
  id: bigint;
  chainId: number;
  account: Address;
  opportunityKey: string;
  nonce: bigint;
  state: IntentState;
  executor: Address;
  baseToken: string;
  calldata: Hex;
  planBlock: bigint;
  deadlineBlock: bigint;
  predictedProfit: bigint;
  /**
   * The profit its simulation answered when its block decided to send it (stored with the commit,
   * or, for an intent committed ahead of its simulation, with its first send), or null: no verdict
   * stored (a start-up then cancels its nonce unless some node may have its bytes).
   */
  simulatedProfit: bigint | null;
  /** Base-token units per wei of gas, as a ratio (the ranking's): gasCost / (gasUnits × gasPrice). */
  gasRate: { num: bigint; den: bigint };
  flashFee: bigint;
  /** The route's pools (lower-case), for inclusion feedback. */
  pools: Address[];
  /** The plan's route, input and loan: what the protections judge again before its bytes go out again. */
  route: ResendFacts;
  settledAttempt: bigint | null;
  /** Why its own bytes must not be sent (its simulation or the gate refused it and it could not be withdrawn), or null: then its nonce goes to a cancellation. */
  refused: string | null;
  includedBlock: bigint | null;
  includedHash: Hex | null;
  /** Attempts, oldest first. */
  attempts: Attempt[];
}

/** A signed transaction not yet stored. */
export interface NewAttempt {
  kind: AttemptKind;
  rawTx: Hex;
  txHash: Hex;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  createdBlock: bigint;
}

/** What a receipt says about an intent (the realized P&L). */
export interface Inclusion {
  attemptId: bigint;
  block: bigint;
  blockHash: Hex;
  status: 'success' | 'reverted';
  realizedProfit: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  gasCostWei: bigint;
  gasCostBase: bigint;
  realizedNet: bigint;
}

const json = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const lower = (a: string): string => a.toLowerCase();

const INTENT_BIGINTS = ['nonce', 'plan_block', 'deadline_block', 'predicted_profit', 'simulated_profit', 'settled_attempt', 'included_block'];
const ATTEMPT_BIGINTS = ['gas_limit', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'created_block'];

interface PlanJson {
  calldata: Hex;
  gasCost: string;
  gasUnits: string;
  gasPrice?: string;
  baseToken: string;
  amountIn?: string;
  flash: { fee: string; kind?: string };
  hops?: { pool: string; tokenIn?: string; tokenOut?: string }[];
}

/** The plan's route (its tokens, base token first), input and loan kind, as the re-send rules read them. */
function routeOf(plan: PlanJson): ResendFacts {
  const hops = plan.hops ?? [];
  const tokens = [hops[0]?.tokenIn ?? plan.baseToken, ...hops.map((h) => h.tokenOut ?? '')].filter((t) => t !== '').map(lower);
  return { tokens, amountIn: BigInt(plan.amountIn ?? '0'), flashKind: plan.flash.kind ?? 'none' };
}

function toAttempt(row: Record<string, unknown>): Attempt {
  return {
    id: BigInt(row['id'] as bigint), intentId: BigInt(row['intent_id'] as bigint), kind: row['kind'] as AttemptKind, rawTx: row['raw_tx'] as Hex, txHash: row['tx_hash'] as Hex,
    gasLimit: row['gas_limit'] as bigint, maxFeePerGas: row['max_fee_per_gas'] as bigint, maxPriorityFeePerGas: row['max_priority_fee_per_gas'] as bigint,
    createdBlock: row['created_block'] as bigint, sentAt: (row['sent_at'] as Date | null) ?? null, broadcasts: Number(row['broadcasts']),
  };
}

function toIntent(row: Record<string, unknown>, attempts: Attempt[]): Intent {
  const plan = row['plan'] as PlanJson;
  const gasPrice = BigInt(plan.gasPrice ?? '0');
  const den = BigInt(plan.gasUnits) * gasPrice;
  return {
    id: BigInt(row['id'] as bigint), chainId: Number(row['chain_id']), account: row['account'] as Address, opportunityKey: row['opportunity_key'] as string,
    nonce: row['nonce'] as bigint, state: row['state'] as IntentState, executor: row['executor'] as Address, baseToken: row['base_token'] as string,
    calldata: plan.calldata, planBlock: row['plan_block'] as bigint, deadlineBlock: row['deadline_block'] as bigint, predictedProfit: row['predicted_profit'] as bigint,
    simulatedProfit: (row['simulated_profit'] as bigint | null | undefined) ?? null,
    // No price known (gas price 0): gas in the base token is then taken 1:1 (the wrapped native token).
    gasRate: den === 0n ? { num: 1n, den: 1n } : { num: BigInt(plan.gasCost), den },
    flashFee: BigInt(plan.flash.fee), pools: (plan.hops ?? []).map((h) => h.pool.toLowerCase() as Address), route: routeOf(plan), settledAttempt: (row['settled_attempt'] as bigint | null) ?? null,
    refused: (row['refused_reason'] as string | null | undefined) ?? null,
    includedBlock: (row['included_block'] as bigint | null) ?? null, includedHash: (row['included_hash'] as Hex | null) ?? null, attempts,
  };
}

/** What `orion_create_intent` (migration 0012) answers. */
type CreatedIntentRow = { taken: boolean; intent_id: bigint | null; attempt_id: bigint | null; attempt_broadcasts: number | null };

/** The intents table of one (chain, account). */
export class IntentStore {
  /** `writerEpoch`: the epoch this writer raised when it took the writer lock (`raiseWriterEpoch`). */
  constructor(readonly store: Store, readonly chainId: number, readonly account: Address, readonly writerEpoch: bigint) {}

  /** Throws WriterFencedError when another writer raised the account's epoch since this one took it. */
  private async checkWriter(db: Queryable = this.store): Promise<void> {
    try {
      await db.query('select orion_check_writer($1, $2, $3)', [this.chainId, lower(this.account), this.writerEpoch]);
    } catch (error) {
      throw fenced(error);
    }
  }

  /** Makes sure the account's nonce row exists and is at least `chainNonce` (the chain's count of mined transactions). */
  async initNonce(chainNonce: bigint): Promise<bigint> {
    const { rows } = await this.store.query<{ next_nonce: bigint }>(
      `insert into live_accounts (chain_id, account, next_nonce, writer_epoch) values ($1, $2, $3, $4)
       on conflict (chain_id, account) do update set next_nonce = greatest(live_accounts.next_nonce, excluded.next_nonce), updated_at = now()
        where live_accounts.writer_epoch = excluded.writer_epoch
       returning next_nonce`,
      [this.chainId, lower(this.account), chainNonce, this.writerEpoch], { bigint: ['next_nonce'] },
    );
    if (rows[0] === undefined) await this.checkWriter(); // not this writer's epoch: refused, with the reason
    this.nextNonce = rows[0]!.next_nonce;
    return this.nextNonce;
  }

  /**
   * The account's next nonce as this writer last committed it. The writer lock (one writer per
   * chain and account) is what lets it be kept here: the commit below still checks it against the
   * row and refuses to advance from any other value.
   */
  private nextNonce: bigint | undefined;

  /** Whether an intent exists for `opportunityKey` on this chain (any account, any state). */
  async exists(opportunityKey: string): Promise<boolean> {
    const { rows } = await this.store.query('select 1 from intents where chain_id = $1 and opportunity_key = $2', [this.chainId, opportunityKey]);
    return rows.length > 0;
  }

  /**
   * Commits an intent for `plan` with the next nonce and its first attempt, signed by `sign`
   * with that nonce before the commit (so the stored bytes are the bytes sent). Returns null when
   * the opportunity already has an intent (no second nonce, ever).
   *
   * One call of `orion_create_intent` (migration 0012), so one round trip on the path from head
   * to broadcast: the opportunity checked free, the nonce row advanced from exactly the nonce
   * signed with, the intent and its attempt inserted — all or nothing. Nothing is written when
   * the opportunity is taken; an error when the row holds another nonce; a WriterFencedError
   * when another writer raised the account's epoch (migration 0013). It answers the new ids
   * only; the intent handed back is built from what was written.
   */
  async createIntent(input: {
    plan: Plan; opportunityKey: string; modeSession: bigint | null; simulatedProfit: bigint | null;
    sign: (nonce: bigint) => Promise<NewAttempt>;
  }): Promise<{ intent: Intent; attempt: Attempt } | null> {
    const { plan } = input;
    const nonce = this.nextNonce;
    if (nonce === undefined) throw new Error(`no nonce for ${this.account} on chain ${this.chainId}: initNonce first`);
    const signed = await input.sign(nonce);
    const planJson = json(plan);
    let rows: CreatedIntentRow[];
    try {
      ({ rows } = await this.store.query<CreatedIntentRow>(
        'select * from orion_create_intent($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)',
        [this.chainId, lower(this.account), this.writerEpoch, input.opportunityKey, input.modeSession, nonce, planJson, lower(plan.executor), lower(plan.baseToken),
          plan.block.number, plan.deadlineBlock, plan.expectedProfit, input.simulatedProfit,
          signed.kind, signed.rawTx, signed.txHash, signed.gasLimit, signed.maxFeePerGas, signed.maxPriorityFeePerGas, signed.createdBlock],
        { bigint: ['intent_id', 'attempt_id'], prepare: 'orion_create_intent_fenced_call' },
      ));
    } catch (error) {
      // Refused by the fence: the function wrote nothing (the refusal is raised inside it).
      const refusal = fenced(error);
      if (refusal instanceof WriterFencedError) throw refusal;
      // The commit may have happened with only its answer lost (the connection dropped on the
      // way back): read it back by the bytes just signed, so the caller tracks the intent and its
      // nonce is known, instead of it holding that nonce unseen until a restart reconciles it.
      const written = await this.intentWith(input.opportunityKey, signed.txHash).catch(() => null);
      if (written === null) throw error;
      this.nextNonce = nonce + 1n;
      return written;
    }
    const row = rows[0]!;
    if (row.taken) return null;
    if (row.intent_id === null || row.attempt_id === null) {
      const held = await this.reloadNonce();
      throw new Error(`the next nonce of ${this.account} on chain ${this.chainId} is ${held ?? 'not set (initNonce first)'} in the database, not ${nonce}: another writer? nothing was committed`);
    }
    this.nextNonce = nonce + 1n;
    const attempt: Attempt = { ...signed, id: BigInt(row.attempt_id), intentId: BigInt(row.intent_id), sentAt: null, broadcasts: Number(row.attempt_broadcasts) };
    // The row as written (the same fields openIntents reads back).
    const written: Record<string, unknown> = {
      id: row.intent_id, chain_id: this.chainId, account: lower(this.account), opportunity_key: input.opportunityKey, nonce, state: 'in_progress',
      executor: lower(plan.executor), base_token: lower(plan.baseToken), plan: JSON.parse(planJson) as unknown, plan_block: plan.block.number,
      deadline_block: plan.deadlineBlock, predicted_profit: plan.expectedProfit, simulated_profit: input.simulatedProfit, settled_attempt: null, refused_reason: null, included_block: null, included_hash: null,
    };
    return { intent: toIntent(written, [attempt]), attempt };
  }

  /**
   * Reads the next nonce back from the database: after a commit that found the row moved, or one
   * whose outcome is unknown (its answer and its read-back both lost).
   */
  async reloadNonce(): Promise<bigint | undefined> {
    const held = await this.store.query<{ next_nonce: bigint }>('select next_nonce from live_accounts where chain_id = $1 and account = $2', [this.chainId, lower(this.account)], { bigint: ['next_nonce'] });
    this.nextNonce = held.rows[0]?.next_nonce;
    return this.nextNonce;
  }

  /** The intent of `opportunityKey` whose first attempt is the transaction `txHash`, with that attempt; null when there is none. */
  private async intentWith(opportunityKey: string, txHash: Hex): Promise<{ intent: Intent; attempt: Attempt } | null> {
    const { rows } = await this.store.query<Record<string, unknown>>(
      'select * from intents where chain_id = $1 and account = $2 and opportunity_key = $3', [this.chainId, lower(this.account), opportunityKey], { bigint: INTENT_BIGINTS },
    );
    const row = rows[0];
    if (row === undefined) return null;
    const attempts = await this.store.query<Record<string, unknown>>(
      'select * from intent_attempts where intent_id = $1 and tx_hash = $2', [row['id'] as bigint, txHash], { bigint: ATTEMPT_BIGINTS },
    );
    if (attempts.rows.length === 0) return null;
    const attempt = toAttempt(attempts.rows[0]!);
    return { intent: toIntent(row, [attempt]), attempt };
  }

  /**
   * Stores a replacement or cancellation of `intent` (committed before it is sent); a
   * WriterFencedError, nothing stored, when another writer took the account. Off the path from
   * head to broadcast: the check and the insert are two statements of one transaction (the
   * check's FOR SHARE row lock holds a new writer's raise of the epoch until the insert commits).
   */
  async addAttempt(intent: Intent, signed: NewAttempt): Promise<Attempt> {
    const attempt = await this.store.transaction(async (tx) => {
      await this.checkWriter(tx);
      return insertAttempt(tx, intent.id, signed);
    });
    intent.attempts.push(attempt);
    return attempt;
  }

  /**
   * Takes back an intent committed ahead of its simulation (the live executor's speculation)
   * whose transaction was never handed to anyone: the simulation failed, the send gate refused it,
   * or the account turned out busy. One statement deletes the intent and its attempt and moves
   * the account's next nonce back from exactly `nonce + 1` to `nonce`, so the nonce is used again
   * by the next intent and no gap is left. Refused (nothing changed) once the intent has moved
   * past in_progress or a later nonce was taken: then it stays, and tracking settles it. A
   * WriterFencedError (nothing changed) when another writer took the account.
   */
  async withdraw(intent: Intent): Promise<void> {
    let rows: { withdrawn: boolean }[];
    try {
      ({ rows } = await this.withdrawStatement(intent));
    } catch (error) {
      const refusal = fenced(error);
      if (refusal instanceof WriterFencedError) throw refusal;
      // The statement may have run with only its answer lost (the connection dropped on the way
      // back): the intent's row tells. Gone means withdrawn (the deletes and the nonce row's move
      // back are one statement); believing otherwise would keep tracking a ghost intent and
      // re-broadcast bytes nobody committed any more, on a nonce the next intent reuses.
      const still = await this.store.query('select 1 from intents where id = $1', [intent.id]).catch(() => null);
      if (still === null || still.rows.length > 0) throw error;
      rows = [{ withdrawn: true }];
    }
    if (rows[0]?.withdrawn !== true) {
      await this.checkWriter();
      throw new Error(`intent ${intent.id} (nonce ${intent.nonce}) could not be withdrawn: it moved on or a later nonce was taken; it stays and is tracked`);
    }
    if (this.nextNonce === intent.nonce + 1n) this.nextNonce = intent.nonce;
  }

  /**
   * The one statement of {@link withdraw}. The nonce row's move back comes first and gates the
   * deletes: its row lock orders it with a new writer's raise of the epoch, and READ COMMITTED
   * re-checks its condition (the epoch among it) on the raised row, so a fenced writer deletes nothing.
   */
  private withdrawStatement(intent: Intent) {
    return this.store.query<{ withdrawn: boolean }>(
      `with back as (
         update live_accounts set next_nonce = $4::numeric, updated_at = now()
          where chain_id = $2 and account = $3 and next_nonce = $4::numeric + 1 and writer_epoch = $5
            and exists (select 1 from intents where id = $1 and state = 'in_progress' and nonce = $4::numeric)
         returning 1
       ), gone_attempts as (
         delete from intent_attempts where intent_id = $1 and exists (select 1 from back) returning 1
       ), gone as (
         delete from intents where id = $1 and exists (select 1 from back) returning 1
       )
       select exists (select 1 from back) as withdrawn`,
      [intent.id, this.chainId, lower(this.account), intent.nonce, this.writerEpoch],
    );
  }

  /**
   * Records that `intent`'s own bytes must never be sent (its simulation or the gate refused it
   * and it was not withdrawn, it was found after a commit whose answer was lost, or a start-up
   * found it without a verdict): a restart then cancels its nonce instead of re-broadcasting them.
   * The first reason stays.
   */
  async markRefused(intent: Intent, reason: string): Promise<void> {
    await this.fencedWrite(['update intents set refused_reason = coalesce(refused_reason, $4), updated_at = now() where id = $5 and ' + WRITER_HOLDS],
      [storableText(reason.slice(0, 2000)), intent.id]);
    intent.refused ??= reason;
  }

  /**
   * Records that a node accepted `attempt` (the intent is on the network: unconfirmed), and the
   * simulated profit when the intent was committed before its simulation answered. One statement
   * (one round trip: it follows the broadcast on the path from head to broadcast), fenced.
   */
  async markSent(intent: Intent, attempt: Attempt, simulatedProfit: bigint | null = null): Promise<void> {
    await this.fencedWrite([
      'update intent_attempts set sent_at = coalesce(sent_at, now()), broadcasts = broadcasts + 1, last_error = null where id = $4 and ' + WRITER_HOLDS,
      "update intents set state = 'unconfirmed', simulated_profit = coalesce(simulated_profit, $6::numeric), updated_at = now() where id = $5 and state = 'in_progress' and " + WRITER_HOLDS,
    ], [attempt.id, intent.id, simulatedProfit], { prepare: 'orion_mark_sent_fenced' });
    attempt.sentAt ??= new Date();
    attempt.broadcasts += 1;
    if (intent.state === 'in_progress') intent.state = 'unconfirmed';
    intent.simulatedProfit ??= simulatedProfit;
  }

  /**
   * Records a send whose outcome is unknown (an RPC fault): the fate is learned from the chain
   * later. With the simulated profit when the intent was committed before its simulation
   * answered: the verdict (passed) is stored, so a start-up knows these bytes were meant to go out.
   */
  async markSendFailed(intent: Intent, attempt: Attempt, error: string, simulatedProfit: bigint | null = null): Promise<void> {
    await this.fencedWrite([
      'update intent_attempts set broadcasts = broadcasts + 1, last_error = $4 where id = $5 and ' + WRITER_HOLDS,
      'update intents set simulated_profit = coalesce(simulated_profit, $7::numeric), updated_at = now() where id = $6 and $7::numeric is not null and ' + WRITER_HOLDS,
    ], [storableText(error.slice(0, 2000)), attempt.id, intent.id, simulatedProfit]);
    attempt.broadcasts += 1;
    intent.simulatedProfit ??= simulatedProfit;
  }

  /** Records the mined attempt and the realized P&L (not final yet). */
  async recordInclusion(intent: Intent, inclusion: Inclusion): Promise<void> {
    await this.fencedWrite([
      `update intents set state = 'unconfirmed', settled_attempt = $5, included_block = $6, included_hash = $7, receipt_status = $8, realized_profit = $9, flash_fee = $10,
         gas_used = $11, effective_gas_price = $12, gas_cost_wei = $13, gas_cost_base = $14, realized_net = $15, updated_at = now() where id = $4 and ${WRITER_HOLDS}`,
    ], [intent.id, inclusion.attemptId, inclusion.block, inclusion.blockHash, inclusion.status, inclusion.realizedProfit, intent.flashFee,
      inclusion.gasUsed, inclusion.effectiveGasPrice, inclusion.gasCostWei, inclusion.gasCostBase, inclusion.realizedNet]);
    intent.state = 'unconfirmed';
    intent.settledAttempt = inclusion.attemptId;
    intent.includedBlock = inclusion.block;
    intent.includedHash = inclusion.blockHash;
  }

  /** A reorg removed the block the intent was included in: back to pending, P&L cleared until it is mined again. */
  async clearInclusion(intent: Intent): Promise<void> {
    await this.fencedWrite([
      `update intents set settled_attempt = null, included_block = null, included_hash = null, receipt_status = null, realized_profit = null, flash_fee = null,
         gas_used = null, effective_gas_price = null, gas_cost_wei = null, gas_cost_base = null, realized_net = null, updated_at = now() where id = $4 and ${WRITER_HOLDS}`,
    ], [intent.id]);
    intent.settledAttempt = null;
    intent.includedBlock = null;
    intent.includedHash = null;
  }

  /** Settles the intent for good (its inclusion is final, or its nonce went to a transaction not ours). */
  async finalize(intent: Intent, state: 'confirmed' | 'failed' | 'dropped', reason: string | null): Promise<void> {
    await this.fencedWrite([
      `update intents set state = $5, failure_reason = $6, final_at = now(), updated_at = now() where id = $4 and state in ('in_progress', 'unconfirmed') and ${WRITER_HOLDS}`,
    ], [intent.id, state, reason === null ? null : storableText(reason)]);
    intent.state = state;
  }

  /**
   * Runs `writes` (`$4`.. their parameters `params`, each gated by {@link WRITER_HOLDS}) as one
   * statement, only while this writer's epoch is the account row's: a WriterFencedError, nothing
   * written, once another writer raised it. One round trip, like the commit: the row is read FOR
   * SHARE in the statement, so a new writer's raise of the epoch either waits for this write to
   * commit (and then reads it) or comes first (and READ COMMITTED re-checks the row's epoch:
   * nothing matches, nothing is written). The reason of a refusal is asked for only then
   * (`orion_check_writer`), off the path.
   *
   * Every write of the account's rows goes through here: the intents' and attempts' status, and
   * the rows derived from them or recorded beside them (`bundle_submissions`,
   * `inclusion_feedback`, the ledger's `executions`), so a fenced-out writer can overwrite none
   * of the new writer's. `returning`: a column the last write returns; its values come back (as
   * text), else an empty list.
   */
  async fencedWrite(writes: readonly string[], params: readonly SqlParam[], options: { prepare?: string; returning?: string } = {}): Promise<string[]> {
    const returned = options.returning === undefined ? '' : `, array(select ${options.returning}::text from write_${writes.length - 1}) as returned`;
    const sql = `with writer as (select 1 from live_accounts where chain_id = $1 and account = $2 and writer_epoch = $3 for share)${
      writes.map((write, i) => `, write_${i} as (${write})`).join('')} select exists (select 1 from writer) as holds${returned}`;
    const { rows } = await this.store.query<{ holds: boolean; returned?: string[] }>(
      sql, [this.chainId, lower(this.account), this.writerEpoch, ...params], options.prepare === undefined ? {} : { prepare: options.prepare },
    );
    if (rows[0]?.holds === true) return rows[0].returned ?? [];
    await this.checkWriter();
    throw new WriterFencedError(`live writer fenced: the writer epoch of ${this.account} on chain ${this.chainId} is no longer ${this.writerEpoch}; nothing was written`);
  }

  /**
   * Intents of this account whose ledger execution row is missing or older than the intent's last
   * change (its state, inclusion, or an attempt made or sent): a restart came before the ledger
   * caught up, say between an intent's settlement and its row's update. Closed intents too: they
   * are no longer tracked, so nothing else would ever correct their row. A row written in the
   * same clock tick as the change counts as behind (PGlite's clock ticks in milliseconds): it is
   * written again, which changes nothing.
   */
  async executionRowsBehind(): Promise<bigint[]> {
    const { rows } = await this.store.query<{ id: bigint }>(
      `select i.id from intents i where i.chain_id = $1 and i.account = $2 and i.mode_session is not null and not exists (
         select 1 from executions e where e.intent_id = i.id and e.updated_at > greatest(i.updated_at,
           (select max(greatest(a.created_at, a.sent_at)) from intent_attempts a where a.intent_id = i.id)))`,
      [this.chainId, lower(this.account)],
    );
    return rows.map((r) => BigInt(r.id));
  }

  /** The open intents of this account (state in_progress or unconfirmed), by nonce, with their attempts. */
  async openIntents(): Promise<Intent[]> {
    const { rows } = await this.store.query<Record<string, unknown>>(
      "select * from intents where chain_id = $1 and account = $2 and state in ('in_progress', 'unconfirmed') order by nonce",
      [this.chainId, lower(this.account)], { bigint: INTENT_BIGINTS },
    );
    if (rows.length === 0) return [];
    const attempts = await this.store.query<Record<string, unknown>>(
      'select * from intent_attempts where intent_id = any($1::bigint[]) order by id', [rows.map((r) => String(r['id']))], { bigint: ATTEMPT_BIGINTS },
    );
    return rows.map((row) => toIntent(row, attempts.rows.filter((a) => BigInt(a['intent_id'] as bigint) === BigInt(row['id'] as bigint)).map(toAttempt)));
  }
}

async function insertAttempt(db: Queryable, intentId: bigint, signed: NewAttempt): Promise<Attempt> {
  const { rows } = await db.query<Record<string, unknown>>(
    `insert into intent_attempts (intent_id, kind, raw_tx, tx_hash, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, created_block)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
    [intentId, signed.kind, signed.rawTx, signed.txHash, signed.gasLimit, signed.maxFeePerGas, signed.maxPriorityFeePerGas, signed.createdBlock],
    { bigint: ATTEMPT_BIGINTS },
  );
  return toAttempt(rows[0]!);
}
