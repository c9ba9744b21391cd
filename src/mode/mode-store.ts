import type { ExecutionMode } from '../executor/executor.ts';
import type { Queryable } from '../store/types.ts';
import type { CheckResult, ValidationReport } from './checks.ts';

/**
 * The mode as the database holds it (migration 0008): one row every instance reads, and the
 * history of validations. A switch to live looks here for a passing validation of the last
 * minute, so `orion mode validate` and `orion mode switch` may run as two processes.
 */

export interface StoredMode {
  mode: ExecutionMode;
  since: Date;
  switchedBy: string | null;
}

export interface StoredValidation {
  id: bigint;
  /** When it was recorded, by the database's clock. */
  at: Date;
  /** Its age now, by the database's clock (ms): what freshness is judged by, whatever the instance's clock says. */
  ageMs: number;
  passed: boolean;
  checks: CheckResult[];
  hotKey: string | null;
  chainId: number | null;
}

/** The stored mode; undefined before the first switch (the platform then runs as configured). */
export async function readStoredMode(db: Queryable): Promise<StoredMode | undefined> {
  const { rows } = await db.query<{ mode: ExecutionMode; since: Date; switched_by: string | null }>('select mode, since, switched_by from mode_state');
  const row = rows[0];
  return row === undefined ? undefined : { mode: row.mode, since: row.since, switchedBy: row.switched_by };
}

/** Sets the stored mode (one row, replaced). */
export async function writeStoredMode(db: Queryable, mode: ExecutionMode, by: string | null, validationId: bigint | null): Promise<StoredMode> {
  const { rows } = await db.query<{ since: Date }>(
    `insert into mode_state (id, mode, since, switched_by, validation_id) values (true, $1, now(), $2, $3)
     on conflict (id) do update set mode = excluded.mode, since = excluded.since, switched_by = excluded.switched_by, validation_id = excluded.validation_id
     returning since`,
    [mode, by, validationId],
  );
  return { mode, since: rows[0]!.since, switchedBy: by };
}

/**
 * Records a validation's result at the database's time (not the validating process's: a machine
 * whose clock ran ahead made its validation the newest, and fresh, for as long as it was ahead,
 * hiding later failed ones from the switch); returns its id.
 */
export async function recordValidation(db: Queryable, report: ValidationReport, by: string | null): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    'insert into mode_validations (at, passed, checks, hot_key, chain_id, requested_by) values (now(), $1, $2, $3, $4, $5) returning id',
    [report.passed, JSON.stringify(report.checks), report.hotKey ?? null, report.chainId ?? null, by],
    { bigint: ['id'] },
  );
  return rows[0]!.id;
}

/** The newest validation (the last recorded), if any, with its age by the database's clock. */
export async function latestValidation(db: Queryable): Promise<StoredValidation | undefined> {
  const { rows } = await db.query<{ id: bigint; at: Date; age_ms: number; passed: boolean; checks: CheckResult[]; hot_key: string | null; chain_id: bigint | null }>(
    'select id, at, (extract(epoch from (now() - at)) * 1000)::float8 as age_ms, passed, checks, hot_key, chain_id from mode_validations order by id desc limit 1',
    [],
    { bigint: ['id', 'chain_id'] },
  );
  const row = rows[0];
  return row === undefined ? undefined : { id: row.id, at: row.at, ageMs: Number(row.age_ms), passed: row.passed, checks: row.checks, hotKey: row.hot_key, chainId: row.chain_id === null ? null : Number(row.chain_id) };
}
