import type { Address, Hex } from 'viem';
import type { AuditLog, AuditRecord } from '../audit/audit-log.ts';
import type { AuditJson } from '../audit/canonical.ts';

/**
 * The audit log's record of each owner control's transaction, in two steps: `contract.signed`
 * (hash, nonce, what, who) written BEFORE the transaction is sent, and `contract.<kind>` (its
 * outcome: success, reverted, not-sent, dropped) once known. A signed record without an outcome
 * is a transaction that may still be mined: the next control looks it up on the chain before
 * anything else is sent, so a retry never sends a second transaction while the first is pending.
 */

/** The type of the record written before a control's transaction is sent. */
export const SIGNED = 'contract.signed';

/** Who asked for a control, as the audit log knows them. */
export interface RecordActor {
  label: string;
  pseudonym?: string;
}

/** A control's transaction as recorded before it was sent. */
export interface SignedControl {
  control: string;
  executor: string;
  transaction: Hex;
  nonce: bigint;
  at: Date;
}

/** How many recent records the pending look-up reads (controls are rare: a handful a day). */
const RECENT = 50;

const actorOf = (actor: RecordActor | undefined): { actor?: string } => (actor?.pseudonym === undefined ? {} : { actor: actor.pseudonym });

/** Records a signed, not yet sent transaction; throws (and then nothing may be sent) when the log cannot. */
export async function recordSigned(audit: AuditLog, signed: Omit<SignedControl, 'at'>, detail: Record<string, string>, actor: RecordActor | undefined): Promise<void> {
  await audit.append({
    type: SIGNED,
    ...actorOf(actor),
    details: { ...detail, control: signed.control, executor: signed.executor, transaction: signed.transaction, nonce: signed.nonce.toString(), by: actor?.label ?? 'unknown' },
  });
}

/** Records what became of a signed transaction (`status`: success, reverted, not-sent, dropped). */
export async function recordOutcome(
  audit: AuditLog,
  signed: Pick<SignedControl, 'control' | 'executor' | 'transaction'>,
  outcome: { status: string; block?: bigint; reason?: string },
  detail: Record<string, string>,
  actor: RecordActor | undefined,
): Promise<void> {
  const details: Record<string, AuditJson> = { ...detail, executor: signed.executor, transaction: signed.transaction, status: outcome.status, by: actor?.label ?? 'unknown' };
  if (outcome.block !== undefined) details['block'] = outcome.block.toString();
  if (outcome.reason !== undefined) details['reason'] = outcome.reason;
  await audit.append({ type: `contract.${signed.control}`, ...actorOf(actor), details });
}

/** The newest control signed for `executor` whose outcome is not recorded, or undefined. */
export async function unsettledControl(audit: AuditLog, executor: Address): Promise<SignedControl | undefined> {
  const mine = (row: AuditRecord): boolean => row.details['executor'] === executor.toLowerCase();
  const latest = (await audit.list({ type: SIGNED, limit: RECENT })).rows.find(mine);
  if (latest === undefined) return undefined;
  const { control, transaction, nonce } = latest.details as { control: string; transaction: Hex; nonce: string };
  const outcomes = await audit.list({ type: `contract.${control}`, limit: RECENT });
  if (outcomes.rows.some((row) => mine(row) && row.details['transaction'] === transaction)) return undefined;
  return { control, executor: executor.toLowerCase(), transaction, nonce: BigInt(nonce), at: latest.at };
}
