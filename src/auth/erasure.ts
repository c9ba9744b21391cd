import { access, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import { osUserPseudonyms } from '../audit/cli-operator.ts';
import { InputError } from '../errors.ts';
import { appendLineDurably } from '../util/durable-append.ts';
import type { Queryable, Store } from '../store/index.ts';
import { createUsers } from './users.ts';

/**
 * GDPR erasure of a user, and the journal that makes it survive a restore.
 *
 * A backup taken before an erasure still holds the person's data; restoring it would bring
 * them back. So every erasure is also appended to a journal outside the database
 * (`ORION_DATA_DIR/erasure-journal.jsonl`), which no backup holds and no restore replaces, and a
 * restore re-applies every entry in the restore's own transaction (audited as
 * `gdpr.erase.reapplied`). An entry holds only what redoing it needs — the user's id and the
 * pseudonyms whose personal data went — never the erased data itself.
 */

/** The journal's file name in the data folder. */
export const ERASURE_JOURNAL_FILE = 'erasure-journal.jsonl';

/** One erasure as the journal records it. */
export interface ErasureEntry {
  /** auth_user.id of the erased user. */
  userId: string;
  /** Every pseudonym whose personal data the erasure removed (the user's own first). */
  pseudonyms: string[];
  erasedAt: string;
}

/** The append-only erasure journal (one JSON line per erasure, fsynced, mode 0600). */
export interface ErasureJournal {
  readonly file: string;
  append(entry: ErasureEntry): Promise<void>;
  /** Whether the file exists (the server creates it, empty, at its start: `ensure`). */
  exists(): Promise<boolean>;
  /**
   * Creates the file empty (0600) when absent: from the server's first start on, a journal that
   * is missing means the wrong folder or a lost file, never "nobody was erased".
   */
  ensure(): Promise<void>;
  /** Every entry, oldest first (none when the file does not exist). */
  read(): Promise<ErasureEntry[]>;
}

/** The journal in `dataDir` (or at `file` when given: a copy brought to a new host). */
export function erasureJournal(dataDir: string, file: string = join(dataDir, ERASURE_JOURNAL_FILE)): ErasureJournal {
  return {
    file,
    async append(entry) {
      await appendLineDurably(file, JSON.stringify(entry), 0o600);
    },
    exists: () => access(file).then(() => true, () => false),
    async ensure() {
      await (await open(file, 'a', 0o600)).close();
    },
    async read() {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const lines = text.split('\n');
      const entries: ErasureEntry[] = [];
      lines.forEach((line, index) => {
        if (line === '') return;
        const entry = parseEntry(line);
        // A crash mid-append leaves a cut last line; its erasure's transaction never committed.
        if (entry === undefined && index === lines.length - 1) return;
        if (entry === undefined) throw new InputError(`erasure journal ${file}: line ${index + 1} is not an erasure entry: the file is damaged; restore it from a copy`);
        entries.push(entry);
      });
      return entries;
    },
  };
}

function parseEntry(line: string): ErasureEntry | undefined {
  try {
    const parsed = JSON.parse(line) as Partial<ErasureEntry> | null;
    if (typeof parsed?.userId !== 'string' || typeof parsed.erasedAt !== 'string' || !Array.isArray(parsed.pseudonyms) || !parsed.pseudonyms.every((p) => typeof p === 'string')) return undefined;
    return { userId: parsed.userId, pseudonyms: parsed.pseudonyms, erasedAt: parsed.erasedAt };
  } catch {
    return undefined;
  }
}

/** A user as erasure needs it. */
export interface ErasedUser {
  id: string;
  pseudonym: string;
  /** The username before the erase: the OS account of the same name is the same person at the CLI. */
  username: string;
}

/**
 * Erases `user`'s personal data inside `tx`: the account (username replaced, secrets dropped,
 * disabled), its login attempts, its refresh tokens (revoked), and the personal data the audit
 * log keeps outside its hash chain for each of `pseudonyms` (the user's own, and any other
 * identity of the same person). Returns how many audit rows lost personal data.
 */
export async function eraseUserData(tx: Queryable, store: Store, audit: AuditLog, user: Omit<ErasedUser, 'username'>, pseudonyms: readonly string[]): Promise<number> {
  await createUsers(store).erase(user.id, tx);
  await tx.query('delete from auth_login_attempt where user_id = $1', [user.id]);
  await tx.query('update auth_refresh_token set revoked_at = coalesce(revoked_at, now()) where user_id = $1', [user.id]);
  let removed = 0;
  for (const pseudonym of new Set([user.pseudonym, ...pseudonyms])) removed += await audit.erasePersonal(pseudonym, tx);
  return removed;
}

/**
 * The GDPR erase (POST /gdpr/subject-rights/:id/erase): erases the data — also the OS username
 * of the same name as the user's, which CLI commands keep as personal data of their own
 * pseudonyms (src/audit/cli-operator.ts) — appends `record` (the gdpr.erase event) and the
 * journal entry, all before the transaction commits: a journal that cannot be written rolls the
 * erasure back, so no erasure is ever made that a restore would undo.
 */
export async function eraseUser(
  tx: Queryable,
  services: { store: Store; audit: AuditLog; erasures: ErasureJournal },
  user: ErasedUser,
  record: (personalRowsRemoved: number) => AuditEvent,
): Promise<number> {
  const pseudonyms = [user.pseudonym, ...(await osUserPseudonyms(tx, user.username))];
  const removed = await eraseUserData(tx, services.store, services.audit, user, pseudonyms);
  await services.audit.append(record(removed), tx);
  await services.erasures.append({ userId: user.id, pseudonyms, erasedAt: new Date().toISOString() });
  return removed;
}

/** One journal entry a restore applied again. */
export interface ReappliedErasure {
  userId: string;
  erasedAt: string;
  personalRowsRemoved: number;
}

/**
 * Applies every journal entry again inside `tx` (a restore's transaction, after its rows are
 * loaded and checked): an entry whose user is back un-erased, or whose pseudonyms have personal
 * data again, is erased once more and audited as `gdpr.erase.reapplied`; an entry the restored
 * data already reflects (or whose user the backup does not hold) is passed over.
 */
export async function reapplyErasures(tx: Queryable, store: Store, audit: AuditLog, journal: ErasureJournal): Promise<ReappliedErasure[]> {
  const reapplied: ReappliedErasure[] = [];
  for (const entry of await journal.read()) {
    const user = await tx.query<{ erased: boolean }>('select erased_at is not null as erased from auth_user where id = $1', [entry.userId]);
    const personal = await tx.query<{ n: number }>('select count(*)::int as n from audit_personal where pseudonym = any($1::text[])', [entry.pseudonyms]);
    const attempts = await tx.query<{ n: number }>('select count(*)::int as n from auth_login_attempt where user_id = $1', [entry.userId]);
    const back = (user.rows[0] !== undefined && !user.rows[0].erased) || personal.rows[0]!.n > 0 || attempts.rows[0]!.n > 0;
    if (!back) continue;
    const [own = entry.userId, ...others] = entry.pseudonyms;
    const removed = user.rows[0] === undefined
      ? await eraseAuditOnly(tx, audit, entry.pseudonyms)
      : await eraseUserData(tx, store, audit, { id: entry.userId, pseudonym: own }, others);
    await audit.append({ type: 'gdpr.erase.reapplied', subject: own, details: { userId: entry.userId, erasedAt: entry.erasedAt, personalRowsRemoved: removed, via: 'restore' } }, tx);
    reapplied.push({ userId: entry.userId, erasedAt: entry.erasedAt, personalRowsRemoved: removed });
  }
  return reapplied;
}

async function eraseAuditOnly(tx: Queryable, audit: AuditLog, pseudonyms: readonly string[]): Promise<number> {
  let removed = 0;
  for (const pseudonym of pseudonyms) removed += await audit.erasePersonal(pseudonym, tx);
  return removed;
}
