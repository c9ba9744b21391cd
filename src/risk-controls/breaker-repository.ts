import { InputError } from '../errors.ts';
import type { BreakerTrip } from '../orchestrator/protection.ts';
import type { Queryable } from '../store/types.ts';

/**
 * Breaker trips (`breaker_trips`) that must outlive a restart: a tripped daily-loss breaker
 * stays tripped until someone re-arms it; a revert breaker until its cooldown block.
 */

interface TripRow {
  breaker: string;
  reason: string;
  tripped_block: bigint;
  until_block: bigint | null;
  tripped_at: Date;
  [column: string]: unknown;
}

const BLOCKS = { bigint: ['tripped_block', 'until_block'] };
const toTrip = (row: TripRow): BreakerTrip => ({ breaker: row.breaker, reason: row.reason, trippedBlock: row.tripped_block, untilBlock: row.until_block, trippedAt: row.tripped_at });

/** Trips not re-armed yet (a cooled-down revert breaker is re-armed when the engine passes its block). */
export async function openTrips(db: Queryable): Promise<BreakerTrip[]> {
  const { rows } = await db.query<TripRow>('select breaker, reason, tripped_block, until_block, tripped_at from breaker_trips where rearmed_at is null order by id', [], BLOCKS);
  return rows.map(toTrip);
}

/** Records a trip. */
export async function recordTrip(db: Queryable, trip: Omit<BreakerTrip, 'trippedAt'>): Promise<BreakerTrip> {
  const { rows } = await db.query<TripRow>(
    'insert into breaker_trips (breaker, reason, tripped_block, until_block) values ($1, $2, $3::numeric, $4::numeric) returning breaker, reason, tripped_block, until_block, tripped_at',
    [trip.breaker, trip.reason, trip.trippedBlock, trip.untilBlock], BLOCKS,
  );
  return toTrip(rows[0]!);
}

/** Re-arms every open trip of `breaker`; InputError when none is tripped. Returns when it was re-armed. */
export async function rearmBreaker(db: Queryable, breaker: string, actor: string, reason: string): Promise<Date> {
  if (reason.trim() === '') throw new InputError(`a reason is required to re-arm the ${breaker} breaker (--reason TEXT)`);
  const { rows } = await db.query<{ rearmed_at: Date }>(
    'update breaker_trips set rearmed_at = now(), rearmed_by = $2, rearm_reason = $3 where breaker = $1 and rearmed_at is null returning rearmed_at',
    [breaker, actor, reason.trim()],
  );
  if (rows[0] === undefined) throw new InputError(`the ${breaker} breaker is not tripped: nothing to re-arm`);
  return rows[0].rearmed_at;
}

/** When `breaker` was last re-armed by hand (null: never). */
export async function lastRearm(db: Queryable, breaker: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>('select max(rearmed_at) as at from breaker_trips where breaker = $1', [breaker]);
  return rows[0]?.at ?? null;
}

/**
 * The block of `breaker`'s last trip, re-armed or not (null: it never tripped). Outcomes up to it
 * were counted before that trip, which started the breaker's counts afresh.
 */
export async function lastTripBlock(db: Queryable, breaker: string): Promise<bigint | null> {
  const { rows } = await db.query<{ block: bigint | null }>('select max(tripped_block) as block from breaker_trips where breaker = $1', [breaker], { bigint: ['block'] });
  return rows[0]?.block ?? null;
}
