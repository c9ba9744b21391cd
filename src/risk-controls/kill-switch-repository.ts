import { InputError } from '../errors.ts';
import type { KillSwitchState } from '../orchestrator/protection.ts';
import type { Queryable } from '../store/types.ts';

/**
 * The kill switch's rows (`kill_switch_events`): every engage and release with who, why and how.
 * The last row is the state.
 */

interface EventRow {
  engaged: boolean;
  reason: string;
  actor: string;
  via: KillSwitchState['via'];
  at: Date;
  [column: string]: unknown;
}

/** The switch as last set (null: never engaged). */
export async function readKillSwitch(db: Queryable): Promise<KillSwitchState | null> {
  const { rows } = await db.query<EventRow>('select engaged, reason, actor, via, at from kill_switch_events order by id desc limit 1');
  const row = rows[0];
  return row === undefined ? null : { engaged: row.engaged, reason: row.reason, actor: row.actor, via: row.via, at: row.at };
}

/** Records an engage or release; a reason is required (a person must say why). */
export async function recordKillSwitch(db: Queryable, engaged: boolean, reason: string, actor: string, via: KillSwitchState['via']): Promise<KillSwitchState> {
  if (reason.trim() === '') throw new InputError(`a reason is required to ${engaged ? 'engage' : 'release'} the kill switch (--reason TEXT)`);
  const { rows } = await db.query<EventRow>(
    'insert into kill_switch_events (engaged, reason, actor, via) values ($1, $2, $3, $4) returning engaged, reason, actor, via, at',
    [engaged, reason.trim(), actor, via],
  );
  const row = rows[0]!;
  return { engaged: row.engaged, reason: row.reason, actor: row.actor, via: row.via, at: row.at };
}

/** The last `limit` engages and releases, newest first. */
export async function killSwitchHistory(db: Queryable, limit = 50): Promise<KillSwitchState[]> {
  const { rows } = await db.query<EventRow>('select engaged, reason, actor, via, at from kill_switch_events order by id desc limit $1', [limit]);
  return rows.map((row) => ({ engaged: row.engaged, reason: row.reason, actor: row.actor, via: row.via, at: row.at }));
}
