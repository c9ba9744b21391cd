import type { Address, Hex } from 'viem';
import type { AuditLog, AuditRecord } from '../audit/audit-log.ts';
import type { AuditJson } from '../audit/canonical.ts';

/**
 * The audit log's record of each owner control's transaction, in two steps: `contract.signed`
 * (hash, nonce, what, who) written BEFORE the transaction is sent, and `contract.<kind>` (its
 * outcome: success, reverted, not-sent, dropped, replaced) once known. A signed record without
 * an outcome is a transaction that may still be mined: the next control looks every such one up
 * on the chain before anything else is sent, so a retry never sends a second transaction while the first is pending.
 */

/** The type of the record written before a control's transaction is sent. */
export const SIGNED = 'contract.signed';

/** Who asked for a control, as the audit log knows them. */
export interface RecordActor {
  label: string;
  pseudonym?: string;
  /** Their personal data for the audit log (outside its hash, erasable): the CLI's OS username. */
  personal?: Record<string, AuditJson>;
}

/** A control's transaction as recorded before it was sent. */
export interface SignedControl {
  control: string;
  executor: string;
  transaction: Hex;
  nonce: bigint;
  /** The signing key's address (records written before it was kept: undefined, the owner's then). */
  from?: string;
  at: Date;
}

/** Rows per page when reading every control record (controls are rare: a handful a day). */
const PAGE = 500;

const actorOf = (actor: RecordActor | undefined): { actor?: string; actorData?: Record<string, AuditJson> } => (actor?.pseudonym === undefined ? {} : {
  actor: actor.pseudonym,
  ...(actor.personal === undefined ? {} : { actorData: actor.personal }),
});

/** Records a signed, not yet sent transaction; throws (and then nothing may be sent) when the log cannot. */
export async function recordSigned(audit: AuditLog, signed: Omit<SignedControl, 'at'>, detail: Record<string, string>, actor: RecordActor | undefined): Promise<void> {
  await audit.append({
    type: SIGNED,
    ...actorOf(actor),
    details: {
      ...detail,
      control: signed.control,
      executor: signed.executor,
      transaction: signed.transaction,
      nonce: signed.nonce.toString(),
      ...(signed.from === undefined ? {} : { from: signed.from.toLowerCase() }),
      by: actor?.label ?? 'unknown',
    },
  });
}

/** Records what became of a signed transaction (`status`: success, reverted, not-sent, dropped, replaced). */
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

/** Every record of one type, newest first (paged, so none is missed however many there are). */
async function everyRecord(audit: AuditLog, type: string): Promise<AuditRecord[]> {
  const rows: AuditRecord[] = [];
  let before: bigint | undefined;
  for (;;) {
    const page = await audit.list({ type, limit: PAGE, ...(before === undefined ? {} : { before }) });
    rows.push(...page.rows);
    if (page.nextCursor === null || page.rows.length < PAGE) return rows;
    before = page.nextCursor;
  }
}

/**
 * Every control signed for `executor` whose outcome is not recorded, oldest first — not only the
 * newest: two instances (or a restart between a send and its receipt) can leave several, and
 * each one's fate must be written down.
 */
export async function unsettledControls(audit: AuditLog, executor: Address): Promise<SignedControl[]> {
  const mine = (row: AuditRecord): boolean => row.details['executor'] === executor.toLowerCase();
  const signed = (await everyRecord(audit, SIGNED)).filter(mine);
  // Per transaction, the last outcome recorded. It settles the signed records before it only: a
  // control refused at the send ('not-sent') and asked again with nothing else sent meanwhile signs
  // the identical transaction (same nonce and fields, a deterministic signature: the same hash),
  // and that new send is pending until an outcome recorded after it says otherwise.
  const lastOutcome = new Map<string, bigint>();
  for (const control of new Set(signed.map((row) => String(row.details['control'])))) {
    for (const row of await everyRecord(audit, `contract.${control}`)) {
      const transaction = String(row.details['transaction']);
      if (mine(row) && row.seq > (lastOutcome.get(transaction) ?? -1n)) lastOutcome.set(transaction, row.seq);
    }
  }
  return signed
    .filter((row) => !(row.seq < (lastOutcome.get(String(row.details['transaction'])) ?? -1n)))
    .reverse()
    .map((row) => {
      const { control, transaction, nonce, from } = row.details as { control: string; transaction: Hex; nonce: string; from?: string };
      return { control, executor: executor.toLowerCase(), transaction, nonce: BigInt(nonce), ...(from === undefined ? {} : { from }), at: row.at };
    });
}
