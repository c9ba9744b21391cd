import { exactTokenAmount, formatTokenAmount } from '../format/token-amount.ts';
import type { Queryable } from '../store/types.ts';
import { loadDeskTokens, tokensOf, type Amount, type TokenRef } from './amounts.ts';
import { ledgerConditions, toPage, type LedgerRowView, type ListFilter, type Page } from './query-builder.ts';

/**
 * Live executions, newest first, with inclusion feedback: sent in which block, included in which
 * (or why not: dropped, replaced, reverted) and when (the intent's inclusion time), the gas
 * actually paid (native, and in the base token at the execution's rate), realized beside
 * predicted profit, and the net (realized − gas in the base token: a revert's loss is its gas). Each execution carries the attempts behind it (intents, broadcasts, replacements),
 * read by an `AttemptReader` the live executor supplies with its tables (migration 0007); until
 * then every execution has none. The route comes from the opportunity row while retention has
 * not removed it (executions are kept 7 years, opportunities days).
 */

/** One attempt behind an execution (a broadcast, a replacement, a bundle), as the live executor records it. */
export interface ExecutionAttempt {
  kind: string;
  status: string;
  txHash: string | null;
  nonce: string | null;
  block: string | null;
  reason: string | null;
  at: string;
  details: Record<string, unknown>;
}

/** Reads the attempts of executions by id (decimal string keys). */
export type AttemptReader = (db: Queryable, executionIds: readonly bigint[]) => Promise<Map<string, ExecutionAttempt[]>>;

/** No attempt tables yet: every execution has none. */
export const noAttempts: AttemptReader = async () => new Map();

/** Why a submission of the execution did not land (inclusion_feedback, migration 0010), found on chain. */
export interface InclusionFeedbackView {
  submission: 'public' | 'bundle';
  targetBlock: string;
  reason: string;
  detail: string;
  /** The transaction that moved the route's pools first (reason pools-moved-first). */
  competitor: { txHash: string; sender: string | null } | null;
}

/** Filters of the execution list. */
export interface ExecutionFilter extends ListFilter {
  status?: 'pending' | 'submitted' | 'included' | 'reverted' | 'dropped' | 'replaced' | 'failed';
  txHash?: string;
}

/** Gas paid, in the chain's native token (wei). */
export interface NativeAmount {
  raw: string;
  units: string;
  symbol: 'native';
  display: string;
}

/** One execution as the desk shows it. */
export interface ExecutionView extends LedgerRowView {
  route: string | null;
  baseToken: TokenRef | null;
  txHash: string | null;
  nonce: string | null;
  inclusion: { submittedBlock: string | null; includedBlock: string | null; includedAt: string | null; blocksToInclusion: number | null; failureReason: string | null; feedback: InclusionFeedbackView[] };
  predictedProfit: Amount | null;
  /** The contract's Executed profit (0 for a revert). */
  realizedProfit: Amount | null;
  /** Realized profit − gas paid in the base token: what the execution made or lost (a revert: minus its gas). */
  net: Amount | null;
  /** `cost`: gas paid in the native token; `costInBase`: the same converted to the base token at the execution's rate. */
  gas: { used: string | null; effectivePriceWei: string | null; cost: NativeAmount | null; costInBase: Amount | null };
  createdAt: string;
  updatedAt: string;
  attempts: ExecutionAttempt[];
}

/** Wei as ether-like native units. */
export function nativeAmount(wei: bigint | null): NativeAmount | null {
  return wei === null ? null : { raw: wei.toString(), units: exactTokenAmount(wei, 18), symbol: 'native', display: `${formatTokenAmount(wei, 18)} native` };
}

/** The inclusion feedback of `intentIds`, by intent id (decimal string), oldest target block first. */
async function feedbackOf(db: Queryable, intentIds: readonly bigint[]): Promise<Map<string, InclusionFeedbackView[]>> {
  const byIntent = new Map<string, InclusionFeedbackView[]>();
  if (intentIds.length === 0) return byIntent;
  const { rows } = await db.query<{ intent_id: bigint; submission: 'public' | 'bundle'; target_block: bigint; reason: string; detail: string; competitor_tx: string | null; competitor_sender: string | null }>(
    'select * from inclusion_feedback where intent_id = any($1::bigint[]) order by intent_id, target_block', [intentIds.map(String)], { bigint: ['target_block'] },
  );
  for (const r of rows) {
    const list = byIntent.get(String(r.intent_id)) ?? [];
    list.push({
      submission: r.submission, targetBlock: String(r.target_block), reason: r.reason, detail: r.detail,
      competitor: r.competitor_tx === null ? null : { txHash: r.competitor_tx, sender: r.competitor_sender },
    });
    byIntent.set(String(r.intent_id), list);
  }
  return byIntent;
}

const AMOUNTS = ['nonce', 'submitted_block', 'included_block', 'predicted_profit', 'realized_profit', 'gas_used', 'effective_gas_price', 'gas_cost', 'gas_cost_base', 'realized_net'];

/** A page of executions matching `filter`, each with its attempts. */
export async function listExecutions(db: Queryable, filter: ExecutionFilter, attempts: AttemptReader = noAttempts): Promise<Page<ExecutionView>> {
  const where = ledgerConditions('e', filter, 'created_at')
    .add('e.status = $?', filter.status)
    .add('lower(e.tx_hash) = $?', filter.txHash?.toLowerCase());
  const { rows } = await db.query(
    `select e.*, o.chain_id, o.base_token, o.tokens, i.gas_cost_base, i.realized_net, i.included_at
     from executions e left join opportunities o on o.id = e.opportunity_id left join intents i on i.id = e.intent_id
     ${where.sql} order by e.id desc limit ${where.bind(filter.limit + 1)}`,
    where.params, { bigint: AMOUNTS },
  );
  const kept = rows.slice(0, filter.limit);
  const tokens = await loadDeskTokens(db, tokensOf(kept.filter((r) => r['chain_id'] !== null), (r) => ({ chainId: Number(r['chain_id']), tokens: r['tokens'] as string[] })));
  const byExecution = await attempts(db, kept.map((r) => r['id'] as bigint));
  const feedback = await feedbackOf(db, kept.map((r) => r['intent_id'] as bigint | null).filter((id): id is bigint => id !== null));
  return toPage(rows, filter.limit, (r) => r['id'] as bigint, (r): ExecutionView => {
    const chainId = r['chain_id'] === null ? null : Number(r['chain_id']);
    const base = r['base_token'] as string | null;
    const amount = (raw: bigint | null): Amount | null => (chainId === null || base === null || raw === null ? null : tokens.amount(chainId, base, raw));
    const submitted = r['submitted_block'] as bigint | null;
    const included = r['included_block'] as bigint | null;
    const opt = (v: unknown): string | null => (v === null ? null : String(v));
    return {
      id: String(r['id']), mode: r['mode'] as string, session: String(r['mode_session']), decisionId: String(r['decision_id']), opportunityId: String(r['opportunity_id']),
      status: r['status'] as string, route: chainId === null ? null : tokens.route(chainId, r['tokens'] as string[]),
      baseToken: chainId === null || base === null ? null : tokens.token(chainId, base),
      txHash: r['tx_hash'] as string | null, nonce: opt(r['nonce']),
      inclusion: {
        submittedBlock: opt(submitted), includedBlock: opt(included), includedAt: (r['included_at'] as Date | null)?.toISOString() ?? null,
        blocksToInclusion: submitted !== null && included !== null ? Number(included - submitted) : null,
        failureReason: r['failure_reason'] as string | null,
        feedback: r['intent_id'] === null ? [] : feedback.get(String(r['intent_id'])) ?? [],
      },
      predictedProfit: amount(r['predicted_profit'] as bigint), realizedProfit: amount(r['realized_profit'] as bigint | null),
      net: amount(r['realized_net'] as bigint | null),
      gas: { used: opt(r['gas_used']), effectivePriceWei: opt(r['effective_gas_price']), cost: nativeAmount(r['gas_cost'] as bigint | null), costInBase: amount(r['gas_cost_base'] as bigint | null) },
      createdAt: (r['created_at'] as Date).toISOString(), updatedAt: (r['updated_at'] as Date).toISOString(),
      attempts: byExecution.get(String(r['id'])) ?? [],
    };
  });
}
