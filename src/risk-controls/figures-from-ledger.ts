import { routeOfStateKey } from '../ledger/records.ts';
import type { Outcome } from '../orchestrator/protection-figures.ts';
import type { Queryable } from '../store/types.ts';
import { lastRearm } from './breaker-repository.ts';

/**
 * The protection figures read back from the ledger at start, so a restart forgets nothing the
 * breakers count: the day's P&L per base token (UTC day, since the daily-loss breaker was last
 * re-armed) and the last outcomes for the revert window and the routes' failures. In sim mode the
 * outcomes are this mode session's simulations taken as sent (src/orchestrator/outcome-pnl.ts),
 * less those a rule kept from being sent. In live mode they are the chain's settled intents, in
 * every live session, with their realized net P&L (profit − gas in the base token): money lost
 * stays lost across sessions, and a live boot (`ORION_MODE=live`) or a switch back into live
 * starts a new session each time, so counting by session let every restart lose the day's limit again.
 */

/** What the ledger says. */
export interface LedgerFigures {
  dailyPnl: Map<string, bigint>;
  /** Oldest first. */
  recentOutcomes: Outcome[];
  /**
   * Live: the intents these figures already count (in the day's P&L or the recent outcomes). A
   * restarted live executor tells the protections again of an intent mined before the restart
   * and not final yet (its own memory of what it told starts empty): counting it again would
   * double its P&L, and the daily-loss limit would allow that much more loss.
   */
  countedIntents: Set<bigint>;
}

// Gas used priced like the opportunity's estimate, rounded up (outcome-pnl.ts gasCostOf, in SQL).
const GAS_COST = `case when o.gas_units = 0 then 0 else div(o.gas_cost * coalesce(s.gas_used, o.gas_units) + o.gas_units - 1, o.gas_units) end`;

/** Reads the figures of session `session` (`window`: how many recent outcomes the revert breaker keeps). */
export async function readFiguresFromLedger(db: Queryable, session: bigint, window: number, now: Date = new Date(), mode: 'sim' | 'live' = 'sim', chainId?: number): Promise<LedgerFigures> {
  const midnight = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const rearmed = await lastRearm(db, 'daily-loss');
  const since = rearmed !== null && rearmed > midnight ? rearmed : midnight;
  if (mode === 'live') return readLiveFigures(db, chainId ?? await chainOfSession(db, session), window, since);
  const pnl = await db.query<{ token: string; pnl: bigint }>(
    `select o.base_token as token, sum(case when s.status = 'ok' then s.simulated_profit else 0 end - ${GAS_COST}) as pnl
       from simulations s join opportunities o on o.id = s.opportunity_id
      where s.mode_session = $1 and s.simulated_at >= $2 and s.status in ('ok', 'reverted') and s.blocked_rule is null
      group by o.base_token`,
    [session, since], { bigint: ['pnl'] },
  );
  const recent = await db.query<{ route_key: string; token: string; status: string; as_block: bigint; at: Date; pnl: bigint }>(
    `select o.route_key, o.base_token as token, s.status, s.as_block, s.simulated_at as at,
            case when s.status = 'ok' then s.simulated_profit else 0 end - ${GAS_COST} as pnl
       from simulations s join opportunities o on o.id = s.opportunity_id
      where s.mode_session = $1 and s.status in ('ok', 'reverted') and s.blocked_rule is null
      order by s.id desc limit $2`,
    [session, window], { bigint: ['as_block', 'pnl'] },
  );
  return {
    dailyPnl: new Map(pnl.rows.map((row) => [row.token.toLowerCase(), row.pnl])),
    recentOutcomes: recent.rows.reverse().map((row) => ({
      route: row.route_key, baseToken: row.token.toLowerCase(), block: row.as_block, at: row.at, reverted: row.status === 'reverted', failed: false, pnl: row.pnl,
    })),
    countedIntents: new Set(),
  };
}

/** The chain a mode session is on. */
async function chainOfSession(db: Queryable, session: bigint): Promise<number> {
  const { rows } = await db.query<{ chain_id: bigint }>('select chain_id from mode_sessions where id = $1', [session], { bigint: ['chain_id'] });
  if (rows[0] === undefined) throw new Error(`mode session ${session} does not exist`);
  return Number(rows[0].chain_id);
}

/**
 * Live: the chain's intents (every live session's) that were mined or settled, counted as the live
 * executor counts them once mined (src/executor/live/settled-outcome.ts): confirmed made its
 * realized net, failed reverted and paid gas, a cancellation paid gas and is not the route's
 * fault, a nonce taken by another sender made nothing. A mined intent not final yet counts as
 * its receipt says (the executor tells the protections at mining, not at finality).
 */
async function readLiveFigures(db: Queryable, chainId: number, window: number, since: Date): Promise<LedgerFigures> {
  // When an outcome counts: its inclusion (included_at, migration 0017, recorded once), as the
  // executor tells the protections at mining and as the desk's P&L dates it; finality, a later
  // change of the row, does not move it to the next day.
  const counted = await db.query<{ id: bigint; token: string; pnl: bigint }>(
    `select id, base_token as token, realized_net as pnl from intents
      where chain_id = $1 and realized_net is not null and included_at >= $2`,
    [chainId, since], { bigint: ['id', 'pnl'] },
  );
  const dailyPnl = new Map<string, bigint>();
  for (const row of counted.rows) dailyPnl.set(row.token.toLowerCase(), (dailyPnl.get(row.token.toLowerCase()) ?? 0n) + row.pnl);
  const recent = await db.query<{ id: bigint; opportunity_key: string; token: string; state: string; block: bigint; at: Date; pnl: bigint | null }>(
    `select i.id, i.opportunity_key, i.base_token as token,
            case when i.final_at is not null then i.state when a.kind = 'cancel' then 'dropped' when i.receipt_status = 'reverted' then 'failed' else 'confirmed' end as state,
            coalesce(i.included_block, i.plan_block) as block, coalesce(i.included_at, i.final_at, i.updated_at) as at, i.realized_net as pnl
       from intents i left join intent_attempts a on a.id = i.settled_attempt
      where i.chain_id = $1 and (i.final_at is not null or i.settled_attempt is not null)
      order by coalesce(i.included_at, i.final_at, i.updated_at) desc, i.id desc limit $2`,
    [chainId, window], { bigint: ['id', 'block', 'pnl'] },
  );
  return {
    dailyPnl,
    recentOutcomes: recent.rows.reverse().map((row) => ({
      route: routeOfStateKey(row.opportunity_key), baseToken: row.token.toLowerCase(), block: row.block, at: row.at,
      reverted: row.state === 'failed', failed: row.state === 'dropped', pnl: row.pnl, intent: row.id,
    })),
    countedIntents: new Set([...counted.rows.map((row) => row.id), ...recent.rows.map((row) => row.id)]),
  };
}
