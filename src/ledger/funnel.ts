import type { Queryable } from '../store/types.ts';

/**
 * The funnel of a mode session: detected → planned (or rejected, by rule) → simulated ok /
 * reverted → submitted → included → realized, and the profit predicted and simulated (or
 * realized) per base token. Counted in memory as the engine records (what /health shows every
 * block) and read back from the ledger at start, so it survives a restart.
 */

/** Counts of one mode session; profits per base token in base units. */
export interface Funnel {
  detected: number;
  planned: number;
  rejected: number;
  /** Rejections by rule: decisions refused before simulation, and plans a rule kept from being sent after it. */
  rejectedByRule: Record<string, number>;
  /** Simulated plans a rule on the simulation's result kept from being sent (counted in rejectedByRule too). */
  blocked: number;
  simulated: { ok: number; reverted: number; failed: number; skipped: number };
  /** Reverts by decoded reason (custom error name). */
  revertsByReason: Record<string, number>;
  submitted: number;
  included: number;
  realized: number;
  /** Per base token: predicted (plans) and simulated (ok simulations) contract profit. */
  profitByToken: Record<string, { predicted: bigint; simulated: bigint; realized: bigint }>;
}

/** An empty funnel. */
export function emptyFunnel(): Funnel {
  return {
    detected: 0, planned: 0, rejected: 0, rejectedByRule: {}, blocked: 0, simulated: { ok: 0, reverted: 0, failed: 0, skipped: 0 },
    revertsByReason: {}, submitted: 0, included: 0, realized: 0, profitByToken: {},
  };
}

/** The profit sums of `token`, created empty on first use. */
export function tokenProfit(funnel: Funnel, token: string): Funnel['profitByToken'][string] {
  return (funnel.profitByToken[token] ??= { predicted: 0n, simulated: 0n, realized: 0n });
}

const count = (value: unknown): number => Number(value);

/** The funnel of session `session` as the ledger holds it. */
export async function readFunnel(db: Queryable, session: bigint): Promise<Funnel> {
  const funnel = emptyFunnel();
  const [opportunities, decisions, simulations, blocked, reverts, executions, planned, simulatedProfit] = await Promise.all([
    db.query('select count(*) as n from opportunities where mode_session = $1', [session]),
    db.query('select outcome, rule, count(*) as n from decisions where mode_session = $1 group by outcome, rule', [session]),
    db.query('select status, count(*) as n from simulations where mode_session = $1 group by status', [session]),
    db.query('select blocked_rule, count(*) as n from simulations where mode_session = $1 and blocked_rule is not null group by blocked_rule', [session]),
    db.query("select revert_name, count(*) as n from simulations where mode_session = $1 and status = 'reverted' group by revert_name", [session]),
    readExecutionCounts(db, session),
    db.query(
      `select o.base_token as token, sum(o.profit - o.flash_fee) as total from decisions d join opportunities o on o.id = d.opportunity_id
       where d.mode_session = $1 and d.outcome = 'planned' group by o.base_token`,
      [session], { bigint: ['total'] },
    ),
    db.query(
      `select o.base_token as token, sum(s.simulated_profit) as total from simulations s join opportunities o on o.id = s.opportunity_id
       where s.mode_session = $1 and s.status = 'ok' group by o.base_token`,
      [session], { bigint: ['total'] },
    ),
  ]);
  funnel.detected = count(opportunities.rows[0]?.['n'] ?? 0);
  for (const row of decisions.rows) {
    const n = count(row['n']);
    if (row['outcome'] === 'planned') funnel.planned += n;
    else {
      funnel.rejected += n;
      funnel.rejectedByRule[row['rule'] as string] = n;
    }
  }
  for (const row of blocked.rows) {
    const n = count(row['n']);
    funnel.blocked += n;
    const rule = row['blocked_rule'] as string;
    funnel.rejectedByRule[rule] = (funnel.rejectedByRule[rule] ?? 0) + n;
  }
  for (const row of simulations.rows) funnel.simulated[row['status'] as keyof Funnel['simulated']] = count(row['n']);
  for (const row of reverts.rows) funnel.revertsByReason[(row['revert_name'] as string | null) ?? 'unknown'] = count(row['n']);
  for (const row of planned.rows) tokenProfit(funnel, row['token'] as string).predicted = row['total'] as bigint;
  for (const row of simulatedProfit.rows) tokenProfit(funnel, row['token'] as string).simulated = row['total'] as bigint;
  applyExecutionCounts(funnel, executions);
  return funnel;
}

/** The execution part of a session's funnel: what was sent, included and realized (live only). */
export interface ExecutionCounts {
  submitted: number;
  included: number;
  realized: number;
  /** Realized contract profit per base token. */
  realizedByToken: Record<string, bigint>;
}

/**
 * The execution part of session `session`'s funnel as the ledger holds it. The engine reads it
 * again whenever the live executor has brought the execution rows up to date: the rows change
 * after they are written (included, reorged, final), so they are counted, not added up.
 */
export async function readExecutionCounts(db: Queryable, session: bigint): Promise<ExecutionCounts> {
  const [byStatus, realized] = await Promise.all([
    db.query('select status, count(*) as n, count(realized_profit) as realized from executions where mode_session = $1 group by status', [session]),
    db.query(
      `select o.base_token as token, sum(e.realized_profit) as total from executions e join opportunities o on o.id = e.opportunity_id
       where e.mode_session = $1 and e.realized_profit is not null group by o.base_token`,
      [session], { bigint: ['total'] },
    ),
  ]);
  const counts: ExecutionCounts = { submitted: 0, included: 0, realized: 0, realizedByToken: {} };
  for (const row of byStatus.rows) {
    const n = count(row['n']);
    const status = row['status'] as string;
    if (status !== 'pending') counts.submitted += n;
    if (status === 'included' || status === 'reverted') counts.included += n;
    counts.realized += count(row['realized']);
  }
  for (const row of realized.rows) counts.realizedByToken[row['token'] as string] = row['total'] as bigint;
  return counts;
}

/** Puts `counts` into `funnel` in place of its execution part. */
export function applyExecutionCounts(funnel: Funnel, counts: ExecutionCounts): void {
  funnel.submitted = counts.submitted;
  funnel.included = counts.included;
  funnel.realized = counts.realized;
  for (const profit of Object.values(funnel.profitByToken)) profit.realized = 0n;
  for (const [token, total] of Object.entries(counts.realizedByToken)) tokenProfit(funnel, token).realized = total;
}
