import type { Queryable, Store } from '../store/index.ts';
import { GENESIS_HASH, rowHash, type AuditJson, type HashedRow } from './canonical.ts';
import { signHead, type CheckpointKey } from './checkpoint-key.ts';
import { verifyAuditChain, type AuditVerification } from './verify.ts';

/**
 * The hash-chained audit log: append-only rows, each hash = SHA-256(previous hash ‖ canonical
 * row), the head signed into a checkpoint at every append. People appear in the hashed row only
 * as pseudonyms; what identifies them goes to `audit_personal`, outside the hash, so a GDPR erase
 * removes it and the chain still verifies.
 */

/** Event types the API records; other services add their own (`mode.switch`, `kill_switch.engage`, …). */
export const AUDIT_EVENTS = [
  'auth.login.ok',
  'auth.login.failed',
  'auth.login.locked',
  'auth.mfa.failed',
  'auth.mfa.enrolled',
  'auth.mfa.replaced',
  'auth.mfa.setup.started',
  'auth.mfa.setup.refused',
  'auth.password.changed',
  'auth.refresh.reused',
  'auth.refresh.refused',
  'auth.logout',
  'auth.key.rotated',
  'auth.totp.fresh.failed',
  'api_key.created',
  'api_key.used',
  'api_key.revoked',
  'user.added',
  'user.disabled',
  'user.role.changed',
  'gdpr.export',
  'gdpr.erase',
  'gdpr.erase.reapplied',
] as const;

/** A known event type, or another service's own dotted name. */
export type AuditEventType = (typeof AUDIT_EVENTS)[number] | (string & {});

/** What a caller records. */
export interface AuditEvent {
  type: AuditEventType;
  /** Pseudonym of who acted (a user's or an API key's); omitted for the system itself. */
  actor?: string;
  /** Pseudonym of whom the event concerns, when not the actor. */
  subject?: string;
  /** Facts without personal data (ids, roles, routes, reasons, amounts as decimal strings). */
  details?: Record<string, AuditJson>;
  /** Personal data of the actor (username, IP address): stored outside the hash, erasable. */
  actorData?: Record<string, AuditJson>;
  /** Personal data of the subject: stored outside the hash, erasable. */
  subjectData?: Record<string, AuditJson>;
}

/** One stored row, with its personal data if not erased. */
export interface AuditRecord extends HashedRow {
  hash: string;
  personal: Record<string, Record<string, AuditJson>>;
}

/** Filter and page of `list`. */
export interface AuditQuery {
  type?: string;
  actor?: string;
  /** Either party is this pseudonym. */
  party?: string;
  from?: Date;
  to?: Date;
  /** Rows with seq below this one (the previous page's `nextCursor`). */
  before?: bigint;
  limit: number;
}

/** The audit log service. */
export interface AuditLog {
  /** Appends one event (inside `tx` when given, so it commits with the caller's change). */
  append(event: AuditEvent, tx?: Queryable): Promise<AuditRecord>;
  /** Newest first, filtered, `limit` per page; `nextCursor` fetches the next page. */
  list(query: AuditQuery): Promise<{ rows: AuditRecord[]; nextCursor: bigint | null }>;
  /** Every row concerning a pseudonym, oldest first, with only that pseudonym's personal data (GDPR export). */
  forParty(pseudonym: string): Promise<AuditRecord[]>;
  /** Deletes the personal data stored for a pseudonym; returns how many rows lost theirs. */
  erasePersonal(pseudonym: string, tx?: Queryable): Promise<number>;
  /** Checks the whole chain and the signed checkpoint. */
  verify(): Promise<AuditVerification>;
}

// Any constant: serialises appends across connections and processes (PostgreSQL) for one row each.
const APPEND_LOCK = 0x6f72_696f;

/** The audit log over a store, signing heads with `key`. */
export function createAuditLog(store: Store, key: CheckpointKey): AuditLog {
  const appendIn = async (tx: Queryable, event: AuditEvent): Promise<AuditRecord> => {
    await tx.query('select pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    const head = await tx.query<{ seq: bigint; hash: string }>('select seq, hash from audit_log order by seq desc limit 1', [], { bigint: ['seq'] });
    const prev = head.rows[0];
    const row = {
      seq: (prev?.seq ?? 0n) + 1n,
      at: new Date(),
      type: event.type,
      actor: event.actor ?? null,
      subject: event.subject ?? null,
      details: event.details ?? {},
    };
    const prevHash = prev?.hash ?? GENESIS_HASH;
    const hash = rowHash(prevHash, row);
    await tx.query('insert into audit_log (seq, at, type, actor, subject, details, prev_hash, hash) values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)', [
      row.seq,
      row.at,
      row.type,
      row.actor,
      row.subject,
      JSON.stringify(row.details),
      prevHash,
      hash,
    ]);
    const personal: Record<string, Record<string, AuditJson>> = {};
    for (const [who, data] of [
      [row.actor, event.actorData],
      [row.subject, event.subjectData],
    ] as const) {
      if (who === null || data === undefined) continue;
      personal[who] = { ...personal[who], ...data };
    }
    for (const [who, data] of Object.entries(personal)) {
      await tx.query('insert into audit_personal (seq, pseudonym, data) values ($1, $2, $3::jsonb)', [row.seq, who, JSON.stringify(data)]);
    }
    await tx.query(
      `insert into audit_checkpoint (id, seq, hash, key_id, signature, at) values (true, $1, $2, $3, $4, now())
       on conflict (id) do update set seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, signature = excluded.signature, at = excluded.at`,
      [row.seq, hash, key.keyId, signHead(key, row.seq, hash)],
    );
    return { ...row, hash, personal };
  };

  /** The rows with their personal data: every party's, or only `owner`'s when given. */
  const withPersonal = async (rows: Array<Omit<AuditRecord, 'personal'>>, owner?: string): Promise<AuditRecord[]> => {
    if (rows.length === 0) return [];
    const personal = await store.query<{ seq: bigint; pseudonym: string; data: Record<string, AuditJson> }>(
      `select seq, pseudonym, data from audit_personal where seq = any($1::bigint[])${owner === undefined ? '' : ' and pseudonym = $2'}`,
      owner === undefined ? [rows.map((row) => row.seq)] : [rows.map((row) => row.seq), owner],
      { bigint: ['seq'] },
    );
    return rows.map((row) => ({
      ...row,
      personal: Object.fromEntries(personal.rows.filter((p) => p.seq === row.seq).map((p) => [p.pseudonym, p.data])),
    }));
  };

  return {
    append: (event, tx) => (tx === undefined ? store.transaction((inner) => appendIn(inner, event)) : appendIn(tx, event)),

    async list(query) {
      const where: string[] = [];
      const params: Array<string | bigint | Date | number> = [];
      const add = (clause: string, value: string | bigint | Date): void => {
        params.push(value);
        where.push(clause.replaceAll('?', `$${params.length}`));
      };
      if (query.type !== undefined) add('type = ?', query.type);
      if (query.actor !== undefined) add('actor = ?', query.actor);
      if (query.party !== undefined) add('(actor = ? or subject = ?)', query.party);
      if (query.from !== undefined) add('at >= ?', query.from);
      if (query.to !== undefined) add('at < ?', query.to);
      if (query.before !== undefined) add('seq < ?', query.before);
      params.push(query.limit + 1);
      const result = await store.query<Omit<AuditRecord, 'personal'>>(
        `select seq, at, type, actor, subject, details, hash from audit_log ${where.length === 0 ? '' : `where ${where.join(' and ')}`} order by seq desc limit $${params.length}`,
        params,
        { bigint: ['seq'] },
      );
      const page = result.rows.slice(0, query.limit);
      const last = page.at(-1);
      return { rows: await withPersonal(page), nextCursor: result.rows.length > query.limit && last !== undefined ? last.seq : null };
    },

    async forParty(pseudonym) {
      const result = await store.query<Omit<AuditRecord, 'personal'>>(
        'select seq, at, type, actor, subject, details, hash from audit_log where actor = $1 or subject = $1 order by seq',
        [pseudonym],
        { bigint: ['seq'] },
      );
      // A subject's export is theirs alone: a row they share with someone else (an admin who
      // added them) carries only their own personal data, never the other party's.
      return withPersonal(result.rows, pseudonym);
    },

    async erasePersonal(pseudonym, tx) {
      const result = await (tx ?? store).query('delete from audit_personal where pseudonym = $1', [pseudonym]);
      return result.rowCount;
    },

    verify: () => verifyAuditChain(store, key),
  };
}
