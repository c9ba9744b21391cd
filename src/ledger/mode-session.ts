import type { ExecutionMode } from '../executor/executor.ts';
import type { Queryable, Store } from '../store/types.ts';
import type { ModeSession } from './records.ts';

/**
 * Mode sessions: the ledger's rows and the funnel are per session. A start in the mode of the
 * open session continues it (a restart is not a new session); a start in another mode, or on
 * another chain, closes it and opens a new one — the same thing a mode switch does.
 */

interface SessionRow {
  id: bigint;
  mode: ExecutionMode;
  chain_id: bigint;
  started_at: Date;
  [column: string]: unknown;
}

const toSession = (row: SessionRow, resumed: boolean): ModeSession => ({ id: row.id, mode: row.mode, chainId: Number(row.chain_id), startedAt: row.started_at, resumed });

/** The open session, if any. */
export async function openSessionOf(db: Queryable): Promise<ModeSession | undefined> {
  const { rows } = await db.query<SessionRow>('select id, mode, chain_id, started_at from mode_sessions where ended_at is null');
  return rows[0] === undefined ? undefined : toSession(rows[0], true);
}

/**
 * Continues the open session of `mode` on `chainId`, or closes whatever is open and starts one.
 *
 * Except a sim start while another process trades live on that chain (`liveWriterHeld`, asked in
 * the transaction: src/executor/live/writer-lock.ts, whose lock it is): the sim engine joins the
 * live session instead of closing it. Closing it took every live instance out
 * of live within a follow (~2 s) — any instance booting in sim (a replica, a rolling deploy, the
 * fail-safe boot) did it, with no switch recorded. A live session whose writer is gone (its process
 * died) is closed as before: the fail-safe restart of a lone live instance enters sim.
 */
export async function enterModeSession(
  store: Store, mode: ExecutionMode, chainId: number, startedBy: string | null = null, liveWriterHeld?: (tx: Queryable) => Promise<boolean>,
): Promise<ModeSession> {
  return store.transaction(async (tx) => {
    const open = await openSessionOf(tx);
    if (open !== undefined && open.mode === mode && open.chainId === chainId) return open;
    if (open !== undefined && open.mode === 'live' && mode === 'sim' && open.chainId === chainId && (await liveWriterHeld?.(tx)) === true) return open;
    if (open !== undefined) await tx.query('update mode_sessions set ended_at = now() where id = $1', [open.id]);
    const { rows } = await tx.query<SessionRow>(
      'insert into mode_sessions (mode, chain_id, started_by) values ($1, $2, $3) returning id, mode, chain_id, started_at',
      [mode, chainId, startedBy],
    );
    return toSession(rows[0]!, false);
  });
}
