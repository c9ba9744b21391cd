import { baseFeeRuleFor, type BaseFeeRule } from '../../chain/next-base-fee.ts';
import type { Address, Hex } from 'viem';
import type { LocalAccount } from 'viem/accounts';
import type { RpcBatchResult, RpcCall } from '../../chain/rpc-pool.ts';
import type { BlockHeader } from '../../chain/types.ts';
import { InputError, RetryableError } from '../../errors.ts';
import type { ModeSession } from '../../ledger/records.ts';
import type { Plan } from '../../orchestrator/plan.ts';
import type { ResendFacts } from '../../orchestrator/protection.ts';
import type { Store } from '../../store/types.ts';
import type { SamplePercentiles } from '../../util/sample-ring.ts';
import type { Executor, SimulationResult } from '../executor.ts';
import { createSimExecutor, gated } from '../sim.ts';
import { storedSimulations, submitBundle } from './bundle-submitter.ts';
import { syncExecutionRows } from './execution-rows.ts';
import { executionFees, replacementFees, type Fees } from './fees.ts';
import { explainBundleMiss, explainPublicMiss, recordInclusionFailure, type InclusionFailure, type InclusionReason } from './inclusion-feedback.ts';
import { IntentStore, WriterFencedError, type Attempt, type AttemptKind, type Inclusion, type Intent, type NewAttempt } from './intent-store.ts';
import { signerOf, signWithHash } from './native-signing.ts';
import { opportunityKeyOf } from './opportunity-key.ts';
import { realizedFrom, type RpcReceipt } from './realized.ts';
import type { RelayClient } from './relay-client.ts';
import { SendTimeline, type SendMarks, type SendStep } from './send-timeline.ts';
import { acquireWriterLock, type WriterLock } from './writer-lock.ts';

/**
 * The live executor (Chainlink's transaction manager shape: broadcaster + confirmer). For a
 * block's plans it first runs the exact transactions as the sim executor does; the best plan
 * whose simulation returned at least its minimum profit is then signed with the next nonce of
 * the database, committed as an intent with its attempt, and only then sent
 * (`eth_sendRawTransaction` through the RPC pool). One transaction is in flight per account: a
 * new one is sent only once the previous is mined.
 *
 * Every block (`onHead`) it tracks the open intents: a receipt of any attempt records the
 * realized P&L, final after `confirmations` blocks; a reorg that removes it puts it back to
 * pending; a transaction still pending after `replaceAfterBlocks` is replaced (same nonce,
 * both fees +10 %), cancelled (0 to itself, same nonce) once its deadline has passed, replaced
 * when the node dropped it, and re-broadcast (the identical bytes) when its send's outcome is
 * unknown. At start every open intent is reconciled the same way before anything new is sent:
 * a receipt settles it, otherwise its last attempt's identical bytes are re-broadcast (not those
 * of an intent committed ahead of its simulation whose verdict never came and that was never
 * sent: its nonce goes to a cancellation, `withoutVerdict`). A send's
 * outcome is only ever learned from the chain, so an RPC fault during a send is never a reason
 * to sign again.
 */

/** Settings of live execution (ORION_* variables; the signer comes from src/executor/live/keys.ts). */
export interface LiveSettings {
  /** The hot key: signs every transaction. */
  account: LocalAccount;
  /** Share of the expected profit added as tip, basis points (ORION_TIP_SHARE_BPS). */
  tipShareBps: number;
  /** Blocks a transaction may stay pending before it is replaced (ORION_REPLACE_AFTER_BLOCKS). */
  replaceAfterBlocks: number;
  /** Blocks after inclusion at which an execution is final (ORION_CONFIRMATIONS). */
  confirmations: number;
  /** Bundle submission (ORION_SUBMIT=bundle); absent = public (eth_sendRawTransaction). */
  bundle?: BundleSettings;
  /**
   * Whether the RPC shows the pending transactions it holds (`eth_getTransactionByHash`), so that
   * an accepted attempt it no longer shows was dropped (ORION_POOL_VISIBLE; default true). False
   * for a private or sequencer RPC that answers null for a pending transaction it holds: absence
   * then proves nothing, and an accepted attempt counts as pending (replaced on the
   * ORION_REPLACE_AFTER_BLOCKS cadence, cancelled at its deadline).
   */
  poolVisible?: boolean;
}

/** Bundle submission: the relays (signing with ORION_RELAY_AUTH_KEY) and how many blocks a bundle targets. */
export interface BundleSettings {
  relays: readonly RelayClient[];
  /** A bundle targets blocks N+1..N+blocks (ORION_BUNDLE_BLOCKS). */
  blocks: number;
}

/** The points of one send, in order; a test hook may stop the process at any of them. */
export type LiveStep = 'signed' | 'committed' | 'bundled' | 'sent' | 'receipt' | 'included' | 'settled' | 'rebroadcast' | 'replaced';

/** The RPC the live executor is given: requests and batches (the pool). */
export interface LiveRpc {
  request(method: string, params: readonly unknown[]): Promise<unknown>;
  batch(calls: readonly RpcCall[]): Promise<RpcBatchResult[]>;
}

/** Settings of the live executor. */
export interface LiveExecutorOptions {
  store: Store;
  rpc: LiveRpc;
  chainId: number;
  /** How the next base fee is computed for the simulation of each plan; absent = by `chainId`. */
  baseFeeRule?: BaseFeeRule;
  session: ModeSession | null;
  blockTimeSeconds: number;
  settings: LiveSettings;
  /** The fee cap per gas (ORION_MAX_FEE_PER_GAS). */
  maxFeePerGas?: bigint | undefined;
  /** The tip per gas a replacement bids at least (ORION_PRIORITY_FEE). */
  priorityFee: bigint;
  /** Called at each step of a send (observability, and the test-only fault hook of testing/). */
  onStep?: (step: LiveStep, detail: { intent: bigint; nonce: bigint; txHash: Hex }) => void;
  /** Called once per intent when it settles for good (the protections count live outcomes here). */
  onSettled?: (settled: SettledIntent) => void;
  /**
   * Why every send is stopped now (the protections' kill switch), or null. At start-up an open
   * intent none of whose attempts a node ever accepted is then cancelled instead of re-broadcast:
   * its bytes were never handed to anyone, and its simulation's or the gate's verdict may not
   * have come before the stop.
   */
  sendsStopped?: () => string | null;
  /**
   * Why an intent's own bytes, signed earlier, must not go out again now (the protections' re-send
   * rules on its plan's route, input and loan under the limits in force), or null. Asked before a
   * replacement, a re-broadcast (at start-up or of an unknown send) and a bundle re-target: the
   * intent is then refused (stored) and its nonce cancelled instead.
   */
  resendRefusal?: (facts: ResendFacts) => string | null;
  /** The limit max_gas_price in force now, or null: a replacement whose price at the next block would exceed it is not made (the same bytes are re-broadcast). */
  maxGasPrice?: () => bigint | null;
  /** Called after the ledger's execution rows were brought up to date with the intents (the engine recounts its funnel then). */
  onLedgerSynced?: () => void;
  onError?: (error: unknown) => void;
}

/** An intent that settled: its final state and, when one of its attempts was mined, what that realized. */
export interface SettledIntent {
  intent: Intent;
  state: 'confirmed' | 'failed' | 'dropped';
  /** Null: no attempt of ours was mined (the nonce went to another sender). */
  inclusion: Inclusion | null;
}

/** What /health shows of live execution. */
export interface LiveExecutorStatus {
  account: Address;
  openIntents: number;
  sent: number;
  included: number;
  confirmed: number;
  failed: number;
  dropped: number;
  replacements: number;
  cancellations: number;
  rebroadcasts: number;
  sendFailures: number;
  /** Intents committed ahead of their simulation and taken back unsent (the simulation, the gate or a busy account refused them, or the send stopped before their verdict). */
  withdrawn: number;
  /** Why the last plan was not sent, if it was not. */
  lastSkip: string | null;
  /** Blocks whose send found the account free from the block's own transaction list, without waiting for a receipt read. */
  freeFromBlock: number;
  /** Head heard of → signed transaction broadcast, microseconds, over the recent sends (null before the first). */
  headToBroadcastUs: SamplePercentiles | null;
  /** The same sends, each step's moment after the head (send-timeline.ts): where the time goes. */
  sendStepsUs: Record<SendStep, SamplePercentiles | null>;
  /** How long the start-up reconciliation took and what it found. */
  reconciled: { intents: number; settled: number; rebroadcast: number; ms: number };
  /** public (eth_sendRawTransaction) or bundle (relays). */
  submission: 'public' | 'bundle';
  /** What signs the hot key's transactions: libsecp256k1 (native-signing.ts), or viem where the add-on did not load. */
  signer: 'libsecp256k1' | 'viem';
  /** Submissions that did not land, by the reason found on chain (recorded in inclusion_feedback). */
  inclusionFailures: Partial<Record<InclusionReason, number>>;
}

/** A running live executor. */
export interface LiveExecutor extends Executor {
  readonly mode: 'live';
  /**
   * A new head: its open intents are tracked. `afterSend` runs once the block's send is done
   * (the engine reads the hot key's balance there: one request fewer before the send).
   */
  onHead(header: BlockHeader, afterSend?: () => void): void;
  status(): LiveExecutorStatus;
  /** Resolves once the queued work (sends, tracking) is done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const CANCEL_GAS = 21_000n;
/** The refusal stored on an intent a start-up found without a verdict (`withoutVerdict`): its nonce goes to a cancellation. */
const UNJUDGED = 'not sent: committed ahead of its simulation, and the process stopped before the verdict (simulation, gate) and before any send';
/** Heads whose tracking answers are kept for their block's send: the execute stage works on the newest block, at most one behind. */
const HEADS_KEPT = 4;

/** The tracking answers of the intents open when a head was heard (by intent id). */
interface ChainRead {
  /**
   * Per intent: how many attempts it had when the head was heard, and the answers to its
   * tracking calls. The read is sent on the first call (or at once, when made eager).
   */
  answers(): Promise<Map<bigint, { attempts: number; answers: RpcBatchResult[] }>>;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The first of `attempts` attempts with a receipt in `answers` (laid out as `trackingCalls`
 * builds them: the account's mined count, then each attempt's receipt), or null when none is mined.
 */
function firstMined(answers: readonly RpcBatchResult[], attempts: number): { index: number; receipt: RpcReceipt } | null {
  for (let i = 0; i < attempts; i++) {
    const answer = answers[1 + i];
    if (answer?.ok === true && answer.result !== null && answer.result !== undefined) return { index: i, receipt: answer.result as RpcReceipt };
  }
  return null;
}

/** Creates the live executor: takes the writer lock, initialises the nonce, reconciles open intents. */
export async function createLiveExecutor(options: LiveExecutorOptions): Promise<LiveExecutor> {
  const { settings, rpc, chainId } = options;
  for (const [name, value, min] of [['tipShareBps', settings.tipShareBps, 0], ['replaceAfterBlocks', settings.replaceAfterBlocks, 1], ['confirmations', settings.confirmations, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new InputError(`live ${name} must be an integer >= ${min}, got ${value}`);
  }
  if (settings.tipShareBps > 10_000) throw new InputError(`live tipShareBps must be at most 10000, got ${settings.tipShareBps}`);
  const account = settings.account;
  const lock: WriterLock = await acquireWriterLock(options.store, chainId, account.address);
  const intents = new IntentStore(options.store, chainId, account.address, lock.epoch);
  const sim = createSimExecutor({ rpc, blockTimeSeconds: options.blockTimeSeconds, baseFeeRule: options.baseFeeRule ?? baseFeeRuleFor(chainId) });
  const counts = { sent: 0, included: 0, confirmed: 0, failed: 0, dropped: 0, replacements: 0, cancellations: 0, rebroadcasts: 0, sendFailures: 0, withdrawn: 0 };
  let lastSkip: string | null = null;
  const bundle = settings.bundle;
  if (bundle !== undefined && (bundle.relays.length === 0 || !Number.isInteger(bundle.blocks) || bundle.blocks < 1)) {
    throw new InputError(`live bundle submission needs at least one relay and blocks >= 1, got ${bundle.relays.length} relay(s) and ${bundle.blocks} block(s)`);
  }
  const inclusionFailures: Partial<Record<InclusionReason, number>> = {};
  /** Bundle mode: per intent, the last block its bundle targets and the first block not yet explained. */
  const targets = new Map<bigint, { until: bigint; explainFrom: bigint }>();
  /** Head → each step of the recent first sends (a bounded window). */
  const timeline = new SendTimeline();
  let open: Intent[] = [];
  /** Intents whose ledger execution row must be written or updated (retried until the decision row is there). */
  const unsynced = new Set<bigint>();
  let queue: Promise<void> = Promise.resolve();
  /** The last head's tracking, until its timer has queued it (idle and close wait for it). */
  let scheduled: Promise<void> = Promise.resolve();
  /** The tracking answers read as each recent head was heard, by block hash (the send of that block uses them). */
  const heads = new Map<Hex, ChainRead>();
  /** The head whose tracking last ran to its end: the open intents' in-memory state is the chain's as of that block. */
  let trackedHead: Hex | null = null;
  /** The receipt of each open intent's mined attempt, as tracking last read it. */
  const minedReceipts = new Map<bigint, { attempt: Attempt; receipt: RpcReceipt }>();
  /** Sends judged free from the head's own transaction list, without waiting for a receipt read. */
  let freeFromBlock = 0;
  /** The head whose send committed an intent (a later part of the same block sends nothing). */
  let sentAtHead: Hex | null = null;
  let closed = false;
  /**
   * Intents refused by their block (simulation or gate) whose withdraw failed, or found after a
   * lost commit: their nonce goes to a cancellation. Stored on the intent too (`refuse`), so a
   * restart cancels instead of re-broadcasting; seeded from there at start-up.
   */
  const refused = new Set<bigint>();
  /** A commit failed without a known outcome: the database may hold an intent this process does not track. */
  let commitUnknown = false;
  /** Why this process stopped writing: the writer lock was lost, or the database refused a write (fenced). */
  let stoppedBy: Error | null = null;
  /**
   * The writer lock's session ended (PostgreSQL), or the database refused a write because another
   * writer raised the account's epoch (it took the lock before this process heard the session
   * end): from now on another process may own the account, so nothing is sent or tracked
   * (`holds()` is false); the first reason is the status's skip and goes to the operator once. A
   * restart takes the lock again and reconciles from the database.
   */
  const stopWriting = (cause: Error): void => {
    if (stoppedBy !== null) return;
    stoppedBy = cause;
    if (closed) return;
    lastSkip = `${cause.message}: nothing is sent or tracked until a restart takes it again`;
    options.onError?.(cause);
  };
  void lock.lost.then(stopWriting);
  /** Whether this process may still write for the account: the lock held and no write fenced out. */
  const holds = (): boolean => stoppedBy === null && lock.held();
  /** True (and writing stopped) when `error` is the database's fencing refusal. */
  const fencedOut = (error: unknown): boolean => {
    if (!(error instanceof WriterFencedError)) return false;
    stopWriting(error);
    return true;
  };

  /**
   * Marks `intent`'s own bytes refused: in memory at once, and on the intent (`refused_reason`)
   * so a restart cancels its nonce too. A store that fails here (the withdraw before it usually
   * failed for the same reason) leaves the verdict in memory only: reported, and a restart before
   * the cancellation is recorded re-broadcasts the bytes (README, "A refusal outlives a crash").
   */
  async function refuse(intent: Intent, why: string): Promise<void> {
    refused.add(intent.id);
    try {
      await intents.markRefused(intent, why);
    } catch (error) {
      // Refused by the fence: another writer owns the account (and reads the intent itself).
      if (fencedOut(error)) return;
      options.onError?.(new Error(`intent ${intent.id} (nonce ${intent.nonce}) is refused (${why}) but the verdict could not be stored: a restart before its cancellation is recorded would re-broadcast it; ${errorText(error)}`, { cause: error }));
    }
  }

  const step = (name: LiveStep, intent: Intent, attempt: Attempt): void => options.onStep?.(name, { intent: intent.id, nonce: intent.nonce, txHash: attempt.txHash });
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.then(() => undefined, () => undefined);
    return run;
  };

  async function sign(kind: AttemptKind, nonce: bigint, fields: { to: Address; data: Hex; gas: bigint }, fees: Fees, block: bigint): Promise<NewAttempt> {
    const { rawTx, txHash } = await signWithHash(account, {
      type: 'eip1559', chainId, nonce: Number(nonce), to: fields.to, data: fields.data, gas: fields.gas, value: 0n,
      maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { kind, rawTx, txHash, gasLimit: fields.gas, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas, createdBlock: block };
  }

  /** Broadcasts `attempt`'s bytes; the outcome of a failed send is left to the chain to tell. */
  async function broadcast(intent: Intent, attempt: Attempt, marks?: SendMarks, simulatedProfit: bigint | null = null): Promise<boolean> {
    // Bundle mode sends nothing to the public RPC: a transaction of the account seen in the public
    // mempool tells everyone it has (or had) a private bundle pending, and pays public gas.
    if (bundle !== undefined) throw new Error(`intent ${intent.id} (nonce ${intent.nonce}): a public broadcast in bundle mode (a bug: every send goes to the relays)`);
    // Checked at every send and write, not only when a block's work starts: the lock can go while
    // that work awaits the node or the database, and another process may own the account since.
    if (!holds()) return false;
    try {
      const answer = rpc.request('eth_sendRawTransaction', [attempt.rawTx]);
      // Over a WebSocket the request is written in this turn; over HTTP it is on its way.
      if (marks !== undefined) marks.written = performance.now();
      await answer;
      if (marks !== undefined) marks.broadcast = performance.now();
    } catch (error) {
      counts.sendFailures += 1;
      await intents.markSendFailed(intent, attempt, errorText(error), simulatedProfit);
      unsynced.add(intent.id);
      return false;
    }
    await intents.markSent(intent, attempt, simulatedProfit);
    unsynced.add(intent.id);
    return true;
  }

  /** The transaction fields of a new attempt of `intent` of `kind`. */
  const fieldsOf = (intent: Intent, kind: AttemptKind, gasLimit: bigint) => (kind === 'cancel'
    ? { to: account.address, data: '0x' as Hex, gas: CANCEL_GAS }
    : { to: intent.executor, data: intent.calldata, gas: gasLimit });

  /** Signs, commits and sends a replacement (or cancellation) of `intent` on its nonce. */
  async function replace(intent: Intent, kind: 'replacement' | 'cancel', head: BlockHeader): Promise<boolean> {
    if (kind === 'replacement' && await cancelledInstead(intent, head)) return true;
    const last = intent.attempts.at(-1)!;
    const floor = nextBlockFees(head);
    const fees = replacementFees(last, floor, options.maxFeePerGas);
    if (fees === null) return false;
    // A replacement bids more for the plan's execution: never above max_gas_price as it is now
    // (the plan was judged by the limit in force when it was made). What it would pay at the next
    // block, at most: that block's highest base fee (+12.5 %) and its tip, within its max fee.
    const limit = kind === 'replacement' ? options.maxGasPrice?.() ?? null : null;
    const price = highestNextBaseFee(head) + fees.maxPriorityFeePerGas;
    if (limit !== null && (price < fees.maxFeePerGas ? price : fees.maxFeePerGas) > limit) return false;
    const firstGas = intent.attempts[0]!.gasLimit;
    const signed = await sign(kind, intent.nonce, fieldsOf(intent, kind, firstGas), fees, head.number);
    if (!holds()) return true; // nothing recorded or sent; nothing more is done for the intent here either
    const attempt = await intents.addAttempt(intent, signed);
    if (kind === 'cancel') counts.cancellations += 1;
    else counts.replacements += 1;
    step('replaced', intent, attempt);
    // Bundle mode: the cancellation goes to the relays too, never to the public mempool.
    if (bundle === undefined) await broadcast(intent, attempt);
    else await sendBundle(intent, attempt, head);
    return true;
  }

  /** The next block's base fee at most: this head's + 12.5 % (EIP-1559's step after a full block). */
  function highestNextBaseFee(head: BlockHeader): bigint {
    const base = head.baseFeePerGas ?? 0n;
    return base + base / 8n;
  }

  /** What the next block needs at least: its base fee + the configured tip (from the plan's policy). */
  function nextBlockFees(head: BlockHeader): Fees {
    return { maxFeePerGas: highestNextBaseFee(head) + options.priorityFee, maxPriorityFeePerGas: options.priorityFee };
  }

  /**
   * When the protections' re-send rules refuse `intent`'s own bytes now (the limits were tightened
   * since its plan): its refusal is stored and its nonce goes to a cancellation. True when so.
   */
  async function cancelledInstead(intent: Intent, head: BlockHeader): Promise<boolean> {
    if (intent.attempts.at(-1)!.kind === 'cancel') return false;
    const why = options.resendRefusal?.(intent.route) ?? null;
    if (why === null) return false;
    await refuse(intent, `not sent again: ${why}`);
    await replace(intent, 'cancel', head);
    return true;
  }

  async function rebroadcast(intent: Intent, attempt: Attempt, head: BlockHeader): Promise<void> {
    if (!holds()) return;
    if (await cancelledInstead(intent, head)) return;
    counts.rebroadcasts += 1;
    step('rebroadcast', intent, attempt);
    await broadcast(intent, attempt);
  }

  /** Records a submission that did not land (once per intent and target block) and counts it. */
  async function recordMiss(intent: Intent, attempt: Attempt, failure: InclusionFailure): Promise<void> {
    if (await recordInclusionFailure(intents, intent.id, attempt.id, failure)) {
      inclusionFailures[failure.reason] = (inclusionFailures[failure.reason] ?? 0) + 1;
      unsynced.add(intent.id);
    }
  }

  /**
   * Bundle mode: sends `attempt`'s stored bytes to every relay for blocks head+1 .. the earlier
   * of head+k and the plan's deadline (a cancellation: head+k, it has no deadline). The same
   * attempt, the same nonce: a re-targeting never signs anything.
   */
  async function sendBundle(intent: Intent, attempt: Attempt, head: BlockHeader, marks?: SendMarks, simulatedProfit: bigint | null = null): Promise<boolean> {
    if (!holds()) return false;
    const first = head.number + 1n;
    const window = head.number + BigInt(bundle!.blocks);
    const until = attempt.kind === 'cancel' || window < intent.deadlineBlock ? window : intent.deadlineBlock;
    targets.set(intent.id, { until, explainFrom: first });
    const submitted = await submitBundle(intents, bundle!.relays, attempt, intent.attempts[0]!.txHash, first, until, head.number);
    if (marks !== undefined) marks.broadcast = performance.now(); // the relays answered (their answers stored)
    step('bundled', intent, attempt);
    if (submitted.accepted === 0) {
      counts.sendFailures += 1;
      const why = [...submitted.simulations].map(([url, sim]) => `${url}: ${sim.outcome}${'error' in sim ? ` (${sim.error})` : ''}`).join('; ');
      await intents.markSendFailed(intent, attempt, `no relay took the bundle for blocks ${first}..${until}: ${why}`, simulatedProfit);
      unsynced.add(intent.id);
      return false;
    }
    await intents.markSent(intent, attempt, simulatedProfit);
    unsynced.add(intent.id);
    return true;
  }

  /**
   * Bundle mode, an intent with no receipt at `head` (its last attempt `attempt`): every target
   * block that passed without it gets its reason; once the last has passed it is re-targeted while
   * the deadline allows, else its nonce is taken by a cancellation — a bundle too (`replace`), so
   * nothing of the account ever reaches the public mempool. A cancellation is re-targeted (the same
   * bytes) each time its target blocks pass without it, until it or an earlier attempt is mined:
   * the nonce is then used once, privately. At start-up (no target known) the last attempt is
   * re-targeted at once.
   */
  async function trackBundle(intent: Intent, attempt: Attempt, head: BlockHeader): Promise<void> {
    const cancel = attempt.kind === 'cancel';
    const target = targets.get(intent.id);
    if (target !== undefined) {
      const last = head.number < target.until ? head.number : target.until;
      for (let block = target.explainFrom; block <= last; block++) {
        const simulations = await storedSimulations(options.store, attempt.id, block);
        await recordMiss(intent, attempt, await explainBundleMiss(rpc, {
          block, ours: intent.attempts.map((a) => a.txHash), maxFeePerGas: attempt.maxFeePerGas, pools: intent.pools, deadlineBlock: cancel ? null : intent.deadlineBlock, simulations,
        }));
        target.explainFrom = block + 1n;
      }
      if (head.number < target.until) return;
    }
    if (cancel) {
      counts.rebroadcasts += 1;
      step('rebroadcast', intent, attempt);
      await sendBundle(intent, attempt, head);
      return;
    }
    if (head.number >= intent.deadlineBlock) {
      targets.delete(intent.id);
      await replace(intent, 'cancel', head);
      return;
    }
    // Always a re-send of the stored bytes (the first send is the block's own, in `send`).
    if (await cancelledInstead(intent, head)) {
      targets.delete(intent.id);
      return;
    }
    counts.rebroadcasts += 1;
    step('rebroadcast', intent, attempt);
    await sendBundle(intent, attempt, head);
  }

  /** How a mined `attempt` settles `intent`, once final: confirmed, failed (reverted) or dropped (the cancellation took the nonce). */
  function finalOutcome(attempt: Attempt, receipt: RpcReceipt, intent?: Intent): { state: 'confirmed' | 'failed' | 'dropped'; reason: string | null } {
    const state = attempt.kind === 'cancel' ? 'dropped' : BigInt(receipt.status) === 1n ? 'confirmed' : 'failed';
    const reason = attempt.kind === 'cancel' && intent?.refused != null ? `cancelled: refused (${intent.refused}) (the nonce went to the cancellation)`
      : attempt.kind === 'cancel' && refused.has(attempt.intentId) ? 'cancelled: refused by its simulation or the gate, or its commit\'s answer lost, and not taken back (the nonce went to the cancellation)'
      : attempt.kind === 'cancel' ? 'cancelled: its deadline passed before it was mined (the nonce went to the cancellation)'
      : state === 'failed' ? 'mined and reverted' : null;
    return { state, reason };
  }

  /**
   * Intents whose outcome the protections were told of: once each, as soon as one of their
   * attempts is mined (the send's look at the head or the tracking, whichever is first), not at
   * finality. The account is free again once its transaction is mined, so counting at finality let
   * up to ORION_CONFIRMATIONS more executions out before a loss or a revert reached the daily loss
   * and the revert breaker. A reorg does not take a counted outcome back (a loss stays counted).
   */
  const notified = new Set<bigint>();
  function notifySettled(settled: SettledIntent): void {
    if (notified.has(settled.intent.id)) return;
    notified.add(settled.intent.id);
    options.onSettled?.(settled);
  }

  /**
   * One intent at `head`: settle on a receipt, undo a reorged inclusion, or push a pending one
   * on (re-broadcast, replace, cancel). At start-up (`startup`) only receipts settle and the last
   * attempt's identical bytes are re-broadcast.
   */
  async function track(intent: Intent, head: BlockHeader, startup: boolean, read?: ChainRead): Promise<void> {
    // The answers read as the head was heard, unless the intent gained an attempt since (then they are read again).
    const early = (await read?.answers())?.get(intent.id);
    // Committed by this block's own send, after the head's read: just sent, nothing to learn yet.
    if (!startup && early === undefined && read !== undefined && intent.attempts.at(-1)!.createdBlock >= head.number) return;
    const answers = early !== undefined && early.attempts === intent.attempts.length ? early.answers : await rpc.batch(trackingCalls(intent));
    const n = intent.attempts.length;
    const value = (i: number): unknown => (answers[i]?.ok === true ? answers[i].result : undefined);
    const chainNonce = value(0) === undefined ? null : BigInt(value(0) as string);
    const known = intent.attempts.map((_, i) => value(1 + n + i) !== undefined && value(1 + n + i) !== null);
    const mined = firstMined(answers, n);
    // A receipt is proof of inclusion; its absence is proof of nothing while any read of the
    // intent failed (a node's "request timed out", "transaction indexing is in progress"): a
    // reorg, a drop, a replacement or a re-broadcast decided on it could settle a mined execution
    // as dropped. Nothing is decided this block; the next one reads again.
    if (mined === null) {
      const failed = answers.find((answer) => !answer.ok);
      if (failed !== undefined || answers.length < 1 + 2 * n) {
        const why = failed !== undefined && !failed.ok ? failed.error.message : 'a short answer';
        throw new RetryableError(`tracking intent ${intent.id} (nonce ${intent.nonce}) at block ${head.number}: a read failed (${why}); nothing decided until a block's reads all answer`);
      }
    }

    if (mined !== null) {
      const attempt = intent.attempts[mined.index]!;
      const { receipt } = mined;
      minedReceipts.set(intent.id, { attempt, receipt });
      if (intent.includedHash !== receipt.blockHash || intent.settledAttempt !== attempt.id) {
        const inclusion = realizedFrom(intent, attempt, receipt);
        step('receipt', intent, attempt);
        await intents.recordInclusion(intent, inclusion);
        counts.included += 1;
        unsynced.add(intent.id);
        step('included', intent, attempt);
        notifyMined(intent, attempt, receipt);
      }
      if (head.number - intent.includedBlock! >= BigInt(settings.confirmations)) {
        const { state, reason } = finalOutcome(attempt, receipt, intent);
        await intents.finalize(intent, state, reason);
        counts[state] += 1;
        unsynced.add(intent.id);
        step('settled', intent, attempt);
        notifySettled({ intent, state, inclusion: realizedFrom(intent, attempt, receipt) });
      }
      return;
    }
    minedReceipts.delete(intent.id);
    if (intent.includedBlock !== null) {
      // A reorg took the block it was in: pending again; its transaction normally returns to the
      // pool, and if not, the rules below put it back.
      await intents.clearInclusion(intent);
      unsynced.add(intent.id);
    }
    if (chainNonce !== null && chainNonce > intent.nonce) {
      // Mined nonces are past ours and none of our attempts has a receipt: a transaction that is
      // not ours used the nonce (the key is used elsewhere). Read the receipts once more first: a
      // block may have been mined between the two reads of the batch.
      const again = await rpc.batch(intent.attempts.map((a) => ({ method: 'eth_getTransactionReceipt', params: [a.txHash] })));
      if (again.length < intent.attempts.length || again.some((r) => !r.ok || r.result !== null)) return;
      await intents.finalize(intent, 'dropped', `nonce ${intent.nonce} was used by a transaction that is not one of this intent's attempts`);
      counts.dropped += 1;
      unsynced.add(intent.id);
      notifySettled({ intent, state: 'dropped', inclusion: null });
      return;
    }
    const last = intent.attempts.at(-1)!;
    // Bytes that must not go out: refused by their simulation or the gate and not withdrawn (or
    // found after a lost commit), at start-up with the kill switch engaged never accepted by any
    // node, or at start-up without a verdict (below). The nonce is taken by a cancellation
    // (in bundle mode a bundle to the relays, as every send there), never by them.
    const stoppedAtStartup = startup && intent.attempts.every((a) => a.sentAt === null) && (options.sendsStopped?.() ?? null) !== null;
    const unjudged = startup && withoutVerdict(intent, known);
    if (last.kind !== 'cancel' && (refused.has(intent.id) || stoppedAtStartup || unjudged)) {
      if (unjudged) await refuse(intent, UNJUDGED);
      refused.add(intent.id);
      await replace(intent, 'cancel', head);
      return;
    }
    // Bundle mode: the relays' rules, for an execution and a cancellation alike (none below: they send publicly).
    if (bundle !== undefined) return trackBundle(intent, last, head);
    // At start-up the identical bytes go out again, unless the plan's deadline has passed (they
    // would only be mined as a revert): then the rules below cancel the nonce.
    if (startup && head.number < intent.deadlineBlock) return rebroadcast(intent, last, head);
    const inPool = known.some(Boolean);
    if (inPool) {
      for (const [i, attempt] of intent.attempts.entries()) if (known[i] && attempt.sentAt === null) await intents.markSent(intent, attempt);
    }
    // Pending as far as we can tell: seen in the node's pool, or accepted by an RPC whose pool is
    // not visible (its null for a pending transaction is no drop: replacing on it would bid +10 %
    // every block).
    const poolVisible = settings.poolVisible !== false;
    const pending = inPool || (!poolVisible && last.sentAt !== null);
    // A drop (accepted, now unknown to a visible pool) replaces the first attempt at once; a
    // replacement that is not seen either waits the replacement cadence, so an RPC that hides its
    // pool without saying so (poolVisible left on) costs one early replacement, not one a block.
    const dropReplaceable = intent.attempts.length === 1 || head.number - last.createdBlock >= BigInt(settings.replaceAfterBlocks);
    const expired = head.number >= intent.deadlineBlock;
    if (expired && last.kind !== 'cancel') {
      // Not mined by its deadline: why (the base fee above its cap, or only the deadline), then its nonce goes to a cancellation.
      await recordMiss(intent, last, await explainPublicMiss(rpc, intent.attempts, intent.deadlineBlock));
      if (await replace(intent, 'cancel', head)) return;
    } else if (!pending && last.sentAt !== null && dropReplaceable) {
      // Accepted once, now unknown to the node: dropped. The nonce is used again exactly once,
      // by a replacement of the same kind.
      if (await replace(intent, last.kind === 'cancel' ? 'cancel' : 'replacement', head)) return;
    } else if (pending && head.number - last.createdBlock >= BigInt(settings.replaceAfterBlocks)) {
      if (await replace(intent, last.kind === 'cancel' ? 'cancel' : 'replacement', head)) return;
    }
    if (!pending) await rebroadcast(intent, last, head);
  }

  /**
   * Whether `intent` is one the process committed ahead of its simulation and stopped before the
   * verdict (the simulation, the gate) and before any send: no verdict stored (no simulated
   * profit, no refusal), none of its attempts handed over as far as anything recorded (no
   * `sent_at`, no broadcast, failed or not) and none known to the node (`known`: not in its pool;
   * no receipt either, or it would have settled). Its bytes were signed for a block whose
   * simulation never answered: a start-up does not send them unjudged, it takes the nonce with a
   * cancellation (`UNJUDGED`).
   *
   * Why a cancellation, not a re-simulation at start-up followed by a re-broadcast: the bytes are
   * a bet on a market state blocks old (at least the restart's duration), the start-up has neither
   * that block's gate nor the breakers' figures, and the process already treats an intent whose
   * verdict it lost the same way (`adoptUnknownCommits`). A cancellation costs 21000 gas and the
   * opportunity, which the next blocks judge afresh; a re-broadcast of bytes whose simulation
   * would have failed pays the execution's gas for a revert. And not a withdrawal (deleting the
   * intent, the nonce reused by another opportunity): "never handed to anyone" cannot be known —
   * the crash can come after the bytes were written to the socket and before the send was
   * recorded, and a node that took them may show them later or to another peer. A cancellation on
   * the same nonce, bidding +10 %, replaces them wherever they are; whichever is mined uses the
   * nonce once, and the tracking settles the intent by it.
   */
  function withoutVerdict(intent: Intent, known: readonly boolean[]): boolean {
    return intent.simulatedProfit === null && intent.refused === null && !known.some(Boolean)
      && intent.attempts.every((a) => a.sentAt === null && a.broadcasts === 0);
  }

  /** What `track` reads of one intent at a head: the account's mined count, each attempt's receipt and pool entry. */
  function trackingCalls(intent: Intent): RpcCall[] {
    return [
      { method: 'eth_getTransactionCount', params: [account.address, 'latest'] },
      ...intent.attempts.map((a) => ({ method: 'eth_getTransactionReceipt', params: [a.txHash] })),
      ...intent.attempts.map((a) => ({ method: 'eth_getTransactionByHash', params: [a.txHash] })),
    ];
  }

  /**
   * The tracking answers of every intent open now, in one batch, sent now (`eager`) or when first
   * asked for. Eager when the send of this head needs them (the account not known free from the
   * block itself): they come back beside the block's simulation instead of after whatever the
   * queue holds. Otherwise they are first asked for by the tracking after the send, so the node
   * answers the simulation first. A failed read leaves each intent to read its own.
   */
  function readChain(intentsNow: readonly Intent[], eager: boolean): ChainRead {
    // Each intent's attempt count as the head was heard: an attempt added before the answers come
    // makes them stale; an intent committed after it (this block's own send) is not in them.
    const callsOf = intentsNow.map((intent) => [intent, trackingCalls(intent), intent.attempts.length] as const);
    const none = new Map<bigint, { attempts: number; answers: RpcBatchResult[] }>();
    let read: Promise<Map<bigint, { attempts: number; answers: RpcBatchResult[] }>> | undefined;
    const answers = (): Promise<Map<bigint, { attempts: number; answers: RpcBatchResult[] }>> => read ??= callsOf.length === 0 ? Promise.resolve(none)
      : rpc.batch(callsOf.flatMap(([, calls]) => calls)).then(
        (all) => {
          const byIntent = new Map<bigint, { attempts: number; answers: RpcBatchResult[] }>();
          let at = 0;
          for (const [intent, calls, attempts] of callsOf) {
            byIntent.set(intent.id, { attempts, answers: all.slice(at, at + calls.length) });
            at += calls.length;
          }
          return byIntent;
        },
        () => none,
      );
    if (eager) void answers();
    return { answers };
  }

  /**
   * Whether the account is known free at `head` from what is already here, without a receipt
   * read: the chain is unchanged since the last tracking (`head` is the child of the block it
   * tracked at, so no reorg came between), and every open intent was either found mined by that
   * tracking or has an attempt among `head`'s own transactions (not final in the block that mines
   * it unless no confirmation is asked for; then the receipt is needed and this says no).
   */
  function knownFree(head: BlockHeader): boolean {
    if (head.transactionHashes === undefined || head.parentHash !== trackedHead) return false;
    if (open.length === 0) return true;
    const inBlock = new Set(head.transactionHashes);
    return open.every((intent) => (intent.includedBlock !== null && minedReceipts.has(intent.id))
      || (settings.confirmations > 0 && intent.attempts.some((a) => inBlock.has(a.txHash.toLowerCase() as Hex))));
  }

  /** Tells the protections of `intent`'s outcome now that its `attempt` is mined (once: notifySettled dedupes). */
  function notifyMined(intent: Intent, attempt: Attempt, receipt: RpcReceipt): void {
    notifySettled({ intent, state: finalOutcome(attempt, receipt).state, inclusion: realizedFrom(intent, attempt, receipt) });
  }

  /** The open intents the tracking last found mined (as `busyWith` does from the head's read). */
  function notifyMinedKnown(): void {
    for (const intent of open) {
      const mined = minedReceipts.get(intent.id);
      if (mined !== undefined && intent.includedBlock !== null) notifyMined(intent, mined.attempt, mined.receipt);
    }
  }

  async function trackAll(head: BlockHeader, startup: boolean, read?: ChainRead): Promise<void> {
    let complete = true;
    if (commitUnknown && holds()) {
      try {
        await adoptUnknownCommits();
      } catch (error) {
        options.onError?.(error);
        trackedHead = null; // knownFree does not vouch meanwhile; the next block looks again
        return;
      }
    }
    for (const intent of open) {
      if (!holds()) {
        complete = false; // another process may own the account now: nothing is tracked or sent
        break;
      }
      try {
        await track(intent, head, startup, read);
      } catch (error) {
        complete = false;
        if (!fencedOut(error)) options.onError?.(error);
      }
    }
    open = open.filter((i) => i.state === 'in_progress' || i.state === 'unconfirmed');
    for (const id of targets.keys()) if (!open.some((i) => i.id === id)) targets.delete(id);
    for (const id of notified) if (!open.some((i) => i.id === id)) notified.delete(id);
    for (const id of minedReceipts.keys()) if (!open.some((i) => i.id === id)) minedReceipts.delete(id);
    for (const id of refused) if (!open.some((i) => i.id === id)) refused.delete(id);
    // Only a tracking that read every intent vouches for the in-memory state (knownFree).
    trackedHead = complete ? head.hash : null;
  }

  async function syncLedger(): Promise<void> {
    if (unsynced.size === 0) return;
    const done = await syncExecutionRows(intents, [...unsynced]).catch((error: unknown) => {
      // Refused by the fence: another writer owns the account and writes its rows from now on.
      if (!fencedOut(error)) options.onError?.(error);
      return [] as bigint[];
    });
    for (const id of done) unsynced.delete(id);
    if (done.length > 0) options.onLedgerSynced?.();
  }

  /** Signs `plan`'s execution with `nonce` at `head` (pure: nothing is stored or sent). */
  const signExecution = (plan: Plan, nonce: bigint, head: BlockHeader): Promise<NewAttempt> => sign(
    'execute', nonce, { to: plan.executor, data: plan.calldata, gas: plan.gasLimit }, executionFees(plan, settings.tipShareBps, options.maxFeePerGas), head.number,
  );

  /**
   * Whether the account is free to send at `head`, judged from the answers read as the head was
   * heard, before the block's tracking writes anything: free when every open intent has a
   * receipt of one of its attempts (the tracking records it after the send; a restart reads it
   * from the chain again). An intent without a receipt, or without an answer, holds the account:
   * one transaction in flight. An open intent found mined is told to the protections now, so the
   * gate asked before the send counts it.
   */
  async function busyWith(head: BlockHeader, read: ChainRead): Promise<Intent | null> {
    const answers = await read.answers();
    for (const intent of open) {
      const read = answers.get(intent.id);
      const mined = read === undefined ? null : firstMined(read.answers, read.attempts);
      if (mined === null) return intent;
      notifyMined(intent, intent.attempts[mined.index]!, mined.receipt);
    }
    return null;
  }

  /** Why `plan` (simulated as `result`) is not sent at `head`, or null when it may be. */
  function refusal(result: SimulationResult, head: BlockHeader): string | null {
    const { plan } = result;
    if (result.status !== 'ok' || result.profit === null) return `simulation ${result.status}`;
    if (result.profit < plan.minProfit) return `simulated profit ${result.profit} below the plan's minimum ${plan.minProfit}`;
    if (result.blocked !== undefined) return `${result.blocked.rule}: ${result.blocked.reason}`;
    return unsendable(plan, head);
  }

  /** What rules a plan out before its simulation: its deadline passed, or it is not the hot key's. */
  function unsendable(plan: Plan, head: BlockHeader): string | null {
    if (plan.deadlineBlock <= head.number) return `deadline block ${plan.deadlineBlock} passed`;
    if (plan.from.toLowerCase() !== account.address.toLowerCase()) return `plan is from ${plan.from} but the hot key is ${account.address}`;
    return null;
  }

  /**
   * After a commit whose outcome is unknown: any open intent the database holds that this process
   * does not track was written by it. Never sent, its simulation's verdict unknown: tracked, and
   * its nonce taken by a cancellation (the refused path). The next nonce is read back. Before
   * this, such an intent held its nonce unseen, and the next one, a nonce later, could never be mined.
   */
  async function adoptUnknownCommits(): Promise<void> {
    const stored = await intents.openIntents();
    for (const intent of stored) {
      if (open.some((o) => o.id === intent.id)) continue;
      open.push(intent);
      unsynced.add(intent.id);
      await refuse(intent, 'found after a commit whose answer was lost: its simulation\'s verdict unknown');
    }
    await intents.reloadNonce();
    commitUnknown = false;
  }

  /** Signs `plan` with the next nonce and commits it as an intent with its attempt (null: the opportunity already has one). */
  async function commit(plan: Plan, simulatedProfit: bigint | null, head: BlockHeader, marks: SendMarks): Promise<{ intent: Intent; attempt: Attempt } | null> {
    const created = await intents.createIntent({
      plan, opportunityKey: opportunityKeyOf(plan), modeSession: options.session?.id ?? null, simulatedProfit,
      sign: async (nonce) => {
        const signed = await signExecution(plan, nonce, head);
        marks.signed = performance.now();
        options.onStep?.('signed', { intent: 0n, nonce, txHash: signed.txHash });
        return signed;
      },
    }).catch((error: unknown) => {
      // Refused by the fence: nothing was written, and this process writes nothing more.
      if (fencedOut(error)) throw error;
      // Written or not, nobody knows (the answer and the read-back can both be lost): looked up
      // before anything else is signed or tracked (adoptUnknownCommits).
      commitUnknown = true;
      throw error;
    });
    if (created !== null) {
      marks.committed = performance.now();
      step('committed', created.intent, created.attempt);
    }
    return created;
  }

  /**
   * Sends the best plan whose simulation met its minimum profit, if the account is free: plans
   * in order, `simulationOf(i)` giving plan i's gated simulation (started when first asked).
   *
   * The first plan is committed while its simulation and the head's receipts are still awaited
   * (the three round trips overlap instead of following each other). Its bytes are sent only if
   * the account turns out free and the simulation and the gate pass; otherwise the intent is
   * withdrawn — deleted and its nonce given back in one statement — before anything else is
   * signed, since nobody was ever handed its transaction. A crash before either outcome leaves
   * an in_progress intent without a verdict (no simulated profit, no refusal) and never sent: the
   * start-up does not re-broadcast it but takes its nonce with a cancellation (`withoutVerdict`),
   * so a transaction whose simulation would have failed never goes out. The verdict is stored
   * with the send's record (`markSent`, or `markSendFailed` for a send whose outcome is unknown).
   * Later plans are committed only after their simulation passed, with its profit.
   */
  async function send(plans: readonly Plan[], simulationOf: (i: number) => Promise<{ result: SimulationResult; at: number }>, head: BlockHeader, read: ChainRead, headSeenAt: number | undefined, marks: SendMarks): Promise<void> {
    // This head's send was made by an earlier part (the engine hands a block over best plan
    // first): the account is busy with it; nothing is committed ahead to be taken back. The
    // block did send, so there is no skip to report.
    if (sentAtHead === head.hash) return;
    if (commitUnknown) await adoptUnknownCommits();
    const first = plans[0]!;
    const ahead = unsendable(first, head) === null ? commit(first, null, head, marks) : null;
    ahead?.catch(() => undefined); // awaited below
    /** The commit made ahead has its verdict: taken back, or handed on to be sent. */
    let aheadDecided = ahead === null;
    /** Takes the commit made ahead back; false when it could not be (then nothing else may be signed or sent this block). */
    const takeBack = async (why: string): Promise<boolean> => {
      aheadDecided = true;
      const created = await ahead?.catch((error: unknown) => {
        if (!fencedOut(error)) options.onError?.(error);
        return null;
      });
      if (created === null || created === undefined) return true;
      // Without the lock another process may have loaded the intent already: it is left as a
      // crash would leave it (the next owner's start-up cancels its nonce: no verdict stored).
      if (!holds()) return false;
      try {
        await intents.withdraw(created.intent);
        counts.withdrawn += 1;
        return true;
      } catch (error) {
        // Refused by the fence: another writer owns the account (and its start-up read this intent).
        if (fencedOut(error)) return false;
        // Still in the database, holding its nonce: tracked from now on, and its nonce taken by a
        // cancellation, never by the bytes this block refused.
        open.push(created.intent);
        options.onError?.(new Error(`${why}; ${errorText(error)}`));
        await refuse(created.intent, why);
        return false;
      }
    };
    try {
      const free = knownFree(head);
      if (free) {
        freeFromBlock += 1;
        notifyMinedKnown();
      }
      const waiting = free ? null : await busyWith(head, read);
      marks.tracked = performance.now();
      if (waiting !== null) {
        lastSkip = `nonce ${waiting.nonce} (intent ${waiting.id}) is still pending: one transaction in flight per account`;
        await takeBack(lastSkip);
        return;
      }
      for (const [i, candidate] of plans.entries()) {
        const { result, at } = await simulationOf(i);
        marks.simulated = at;
        const plan: Plan = result.plan;
        const why = refusal(result, head);
        if (why !== null) {
          if (i === 0 && !(await takeBack(why))) {
            // The refused intent still holds the next nonce: nothing else is signed behind it.
            lastSkip = `${why}; its intent could not be taken back, so nothing else is sent this block`;
            return;
          }
          if (unsendable(plan, head) !== null) lastSkip = why;
          continue;
        }
        if (i === 0 && ahead !== null) aheadDecided = true;
        const created = i === 0 && ahead !== null ? await ahead : await commit(candidate, result.profit, head, marks);
        if (created === null) {
          lastSkip = `opportunity already has an intent (${opportunityKeyOf(plan).slice(0, 60)}…): never a second nonce`;
          continue;
        }
        const { intent, attempt } = created;
        open.push(intent);
        sentAtHead = head.hash;
        if (bundle === undefined ? await broadcast(intent, attempt, marks, result.profit) : await sendBundle(intent, attempt, head, marks, result.profit)) {
          counts.sent += 1;
          if (headSeenAt !== undefined) timeline.record(headSeenAt, marks);
        }
        step('sent', intent, attempt);
        lastSkip = null;
        return;
      }
    } catch (error) {
      // A simulation or a tracking read that failed (every endpoint down, say) ended the send
      // before the intent committed ahead had its verdict: take it back, or its nonce would stay
      // held by a transaction nobody sends, and every later one would queue behind the gap.
      if (!aheadDecided) await takeBack(`the send stopped before its simulation's verdict: ${errorText(error)}`);
      // A write refused by the fence (the commit, or the send's record) is reported once
      // (stopWriting), as a lost lock is: not an error of this block.
      if (fencedOut(error)) return;
      throw error;
    }
  }

  // Start-up: the nonce from the chain (the database's wins when ahead), then every open intent.
  const startedAt = performance.now();
  const reconciled = { intents: 0, settled: 0, rebroadcast: 0, ms: 0 };
  try {
    const chainNonce = BigInt((await rpc.request('eth_getTransactionCount', [account.address, 'latest'])) as string);
    await intents.initNonce(chainNonce);
    for (const id of await intents.executionRowsBehind()) unsynced.add(id);
    open = await intents.openIntents();
    // Verdicts stored before the stop: their nonces go to cancellations, never to their bytes.
    for (const intent of open) if (intent.refused !== null) refused.add(intent.id);
    reconciled.intents = open.length;
    if (open.length > 0) {
      const head = (await rpc.request('eth_getBlockByNumber', ['latest', false])) as { number: Hex; hash: Hex; baseFeePerGas?: Hex; timestamp: Hex; gasLimit: Hex; gasUsed: Hex; parentHash: Hex };
      const header: BlockHeader = {
        number: BigInt(head.number), hash: head.hash, parentHash: head.parentHash, timestamp: BigInt(head.timestamp),
        baseFeePerGas: head.baseFeePerGas === undefined ? null : BigInt(head.baseFeePerGas), gasLimit: BigInt(head.gasLimit), gasUsed: BigInt(head.gasUsed),
      };
      await trackAll(header, true);
      await syncLedger();
      reconciled.settled = counts.included;
      reconciled.rebroadcast = counts.rebroadcasts;
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
  reconciled.ms = performance.now() - startedAt;

  return {
    mode: 'live',
    run(plans, head, gate, headSeenAt) {
      if (plans.length === 0) return Promise.resolve([]);
      // The first plan in order is simulated at once, on its own request, beside the open
      // intents' receipts read as the head was heard. The others wait: the node answers one
      // request at a time (anvil: ~2 ms for a plan alone, ~3.5 ms beside another), so their
      // simulations would delay the one the send most likely takes. A later plan is simulated
      // when every plan before it failed, and all the rest once the block's send is done (the
      // ledger records every plan's result). The engine hands a block over in parts (its best
      // plan alone, then the rest), one after the other (its execute stage awaits each run): a
      // later part sends nothing when an earlier one sent (`send`).
      const simulations: (Promise<{ result: SimulationResult; at: number }> | undefined)[] = plans.map(() => undefined);
      const simulated = (i: number): Promise<{ result: SimulationResult; at: number }> => {
        let simulation = simulations[i];
        if (simulation === undefined) {
          simulation = sim.run([plans[i]!], head).then(([result]) => ({ result: result!, at: performance.now() }));
          simulation.catch(() => undefined); // awaited below; not unhandled meanwhile
          simulations[i] = simulation;
        }
        return simulation;
      };
      const marks: SendMarks = { handed: performance.now() };
      void simulated(0);
      // The answers read as this head was heard (onHead), or read now for a head heard without them.
      const read = heads.get(head.hash) ?? readChain(open, true);
      return enqueue(async () => {
        // The protections' send gate is asked only after the head's receipts are read: an outcome
        // final at this head (a revert, a loss) counts before anything is sent (busyWith). A
        // locked plan is never sent.
        // Asked once per plan: the send and the results below share the answer.
        const gatedResults: (Promise<{ result: SimulationResult; at: number }> | undefined)[] = plans.map(() => undefined);
        const gatedOf = (i: number) => (gatedResults[i] ??= simulated(i).then(({ result, at }) => ({ result: gated(result, gate), at })));
        if (!closed && holds()) await send(plans, gatedOf, head, read, headSeenAt, marks);
        else lastSkip = closed ? 'the executor is closing' : 'the writer lock was lost: nothing is sent';
        return (await Promise.all(plans.map((_, i) => gatedOf(i)))).map(({ result }) => result);
      });
    },
    onHead(header, afterSend) {
      if (closed) return;
      // Tracking sends too (re-broadcasts, replacements, cancellations): without the writer lock
      // another process may own the account, so nothing is tracked or sent from here.
      if (!holds()) {
        lastSkip = 'the writer lock was lost: nothing is tracked or sent';
        afterSend?.();
        return;
      }
      const read = readChain(open, !knownFree(header));
      heads.set(header.hash, read);
      for (const hash of heads.keys()) if (heads.size > HEADS_KEPT) heads.delete(hash);
      // The block's tracking (receipts recorded, replacements, finality, the ledger rows) queues
      // after its send: the engine hands the block's plans over in this same turn, so they queue
      // first. The send judges from the same answers whether the account is free (busyWith), so
      // it waits for the read, not for the writes; what tracking writes a restart reads again
      // from the chain, while the intent the send commits is what exactly-once rests on.
      scheduled = new Promise((resolve) => setTimeout(() => {
        resolve();
        if (closed) return;
        void enqueue(() => trackAll(header, false, read)).catch((error: unknown) => options.onError?.(error));
        void enqueue(async () => {
          afterSend?.();
          await syncLedger();
        });
      }, 0));
    },
    status: () => {
      const sendStepsUs = timeline.summary();
      return {
        account: account.address, openIntents: open.length, ...counts, lastSkip, freeFromBlock, headToBroadcastUs: sendStepsUs.broadcast, sendStepsUs, reconciled: { ...reconciled },
        submission: bundle === undefined ? 'public' : 'bundle', inclusionFailures: { ...inclusionFailures }, signer: signerOf(account),
      };
    },
    async idle() {
      await scheduled;
      await queue;
    },
    async close() {
      closed = true;
      await scheduled;
      await queue;
      await syncLedger();
      await lock.release();
    },
  };
}

