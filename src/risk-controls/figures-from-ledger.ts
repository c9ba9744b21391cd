import type { Outcome } from '../orchestrator/protection-figures.ts';
import type { Queryable } from '../store/types.ts';
import { lastRearm } from './breaker-repository.ts';

/**
 * The protection figures read back from the ledger at start, so a restart forgets nothing the
 * breakers count: the day's P&L per base token (UTC day, this mode session, since the
 * daily-loss breaker was last re-armed) and the last outcomes for the revert window and the
 * routes' failures. Outcomes are simulations taken as sent (src/orchestrator/outcome-pnl.ts),
 * less those a rule kept from being sent.
 */

/** What the ledger says. */
export interface LedgerFigures {
  dailyPnl: Map<string, bigint>;
  /** Oldest first. */
  recentOutcomes: Outcome[];
}

// Gas used priced like the opportunity's estimate, rounded up (outcome-pnl.ts gasCostOf, in SQL).
const GAS_COST = `case when o.gas_units = 0 then 0 else div(o.gas_cost * coalesce(s.gas_used, o.gas_units) + o.gas_units - 1, o.gas_units) end`;

/** Reads the figures of session `session` (`window`: how many recent outcomes the revert breaker keeps). */
export async function readFiguresFromLedger(db: Queryable, session: bigint, window: number, now: Date = new Date()): Promise<LedgerFigures> {
  const midnight = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const rearmed = await lastRearm(db, 'daily-loss');
  const since = rearmed !== null && rearmed > midnight ? rearmed : midnight;
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
  };
}
