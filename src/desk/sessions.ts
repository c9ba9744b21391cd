import { InputError } from '../errors.ts';
import type { Queryable } from '../store/types.ts';

/**
 * Which mode session a desk view is about: the one named by id, else the latest of the mode
 * asked for, else the open one (or the latest when none is open). The ledger's counts are per
 * session (a mode switch starts again from zero).
 */

/** A mode session as the desk shows it. */
export interface SessionView {
  id: string;
  mode: string;
  chainId: number;
  startedAt: string;
  endedAt: string | null;
}

/** A session that does not exist: the routes answer 404. */
export class SessionNotFound extends InputError {
  readonly statusCode = 404;
}

/** A session asked for by id and a mode it is not of: 400. */
export class SessionMismatch extends InputError {
  readonly statusCode = 400;
}

/** The session `id`, or the latest of `mode`, or the open (else latest) one; null when the ledger has none. */
export async function resolveSession(db: Queryable, ask: { session?: bigint; mode?: 'sim' | 'live' }): Promise<SessionView | null> {
  const { rows } = ask.session !== undefined
    ? await db.query('select * from mode_sessions where id = $1', [ask.session])
    : ask.mode !== undefined
      ? await db.query('select * from mode_sessions where mode = $1 order by id desc limit 1', [ask.mode])
      : await db.query('select * from mode_sessions order by (ended_at is null) desc, id desc limit 1');
  const row = rows[0];
  if (row === undefined) {
    if (ask.session !== undefined) throw new SessionNotFound(`mode session ${ask.session} does not exist`);
    return null;
  }
  if (ask.session !== undefined && ask.mode !== undefined && row['mode'] !== ask.mode) throw new SessionMismatch(`mode session ${ask.session} is a ${String(row['mode'])} session, not ${ask.mode}`);
  return { id: String(row['id']), mode: row['mode'] as string, chainId: Number(row['chain_id']), startedAt: (row['started_at'] as Date).toISOString(), endedAt: row['ended_at'] === null ? null : (row['ended_at'] as Date).toISOString() };
}
