import { ConfigError, InputError } from '../errors.ts';
import { diffLimits, limitsFromJson, limitsToJson, type LimitChange, type Limits } from '../orchestrator/limits.ts';
import type { Queryable, Store } from '../store/types.ts';

/**
 * The `limits` table: one row per version, each the whole set of limits with who changed what
 * and why. The highest version is in force. Writes take the table's lock so two writers (two
 * instances, the CLI and a server on PostgreSQL) never make the same version twice.
 */

/** One version of the limits. */
export interface LimitsVersion {
  version: number;
  /** The chain the version was written for: one database's protections belong to one chain. */
  chainId: number;
  limits: Limits;
  changes: LimitChange[];
  actor: string;
  comment: string | null;
  changedAt: Date;
}

interface LimitsRow {
  version: number;
  chain_id: bigint | number | string;
  limits: unknown;
  changes: LimitChange[];
  actor: string;
  comment: string | null;
  changed_at: Date;
  [column: string]: unknown;
}

const COLUMNS = 'version, chain_id, limits, changes, actor, comment, changed_at';

const toVersion = (row: LimitsRow): LimitsVersion => ({
  version: row.version, chainId: Number(row.chain_id), limits: limitsFromJson(row.limits, `limits version ${row.version}`), changes: row.changes, actor: row.actor, comment: row.comment, changedAt: row.changed_at,
});

/** The version in force, or undefined before the first boot seeded one. */
export async function currentLimits(db: Queryable): Promise<LimitsVersion | undefined> {
  const { rows } = await db.query<LimitsRow>(`select ${COLUMNS} from limits order by version desc limit 1`);
  return rows[0] === undefined ? undefined : toVersion(rows[0]);
}

/** Every version, newest first (at most `limit`). */
export async function limitsHistory(db: Queryable, limit = 100): Promise<LimitsVersion[]> {
  const { rows } = await db.query<LimitsRow>(`select ${COLUMNS} from limits order by version desc limit $1`, [limit]);
  return rows.map(toVersion);
}

/** The version in force; on first boot, version 1 written from `seed` (the defaults and config). */
export async function seedLimitsOnce(store: Store, chainId: number, seed: Limits): Promise<LimitsVersion> {
  return store.transaction(async (tx) => {
    await tx.query('lock table limits in exclusive mode');
    const current = await currentLimits(tx);
    if (current !== undefined) return sameChain(current, chainId);
    return insertVersion(tx, chainId, 1, seed, diffLimits(seed, seed), 'config', 'defaults and configuration at first boot');
  });
}

/**
 * Writes `next` as a new version if it differs from the version in force; `expectVersion` (when
 * given) must still be in force, so a change prepared on an old version is refused instead of
 * silently undoing a newer one. `record` runs in the same transaction (the caller's audit
 * record): a version whose record fails is not written.
 */
export async function writeLimits(store: Store, chainId: number, next: (current: LimitsVersion) => Limits, actor: string, comment: string | null, expectVersion?: number, record?: LimitsRecorder): Promise<LimitsVersion> {
  return store.transaction(async (tx) => {
    await tx.query('lock table limits in exclusive mode');
    const current = await currentLimits(tx);
    if (current === undefined) throw new InputError('the limits were never seeded: start the platform once (it writes version 1 from the configuration)');
    sameChain(current, chainId);
    if (expectVersion !== undefined && current.version !== expectVersion) {
      throw new InputError(`the limits changed meanwhile: version ${current.version} is in force, not ${expectVersion}; look again and retry`);
    }
    const limits = next(current);
    const changes = diffLimits(current.limits, limits);
    if (changes.length === 0) throw new InputError(`nothing to change: the values given are those of version ${current.version}`);
    await refuseLossLimitRemovalWhileLive(tx, current.limits, limits);
    const written = await insertVersion(tx, chainId, current.version + 1, limits, changes, actor, comment);
    await record?.(tx, written);
    return written;
  });
}

/**
 * Live mode is entered only with a `max_daily_loss` for every base token (src/mode/checks.ts):
 * removing one while the stored mode is live would leave a day's loss unbounded with no check
 * in the way. Raising or lowering one stays the risk officer's call; removing one needs sim first.
 */
async function refuseLossLimitRemovalWhileLive(tx: Queryable, before: Limits, after: Limits): Promise<void> {
  const removed = Object.keys(before.maxDailyLoss).filter((token) => after.maxDailyLoss[token] === undefined);
  if (removed.length === 0) return;
  const { rows } = await tx.query<{ mode: string }>('select mode from mode_state');
  if (rows[0]?.mode !== 'live') return;
  throw new InputError(
    `the stored mode is live: ${removed.map((token) => `max_daily_loss.${token}`).join(', ')} cannot be removed (live needs a loss limit for each base token); ` +
    'set another value instead, or switch to sim first (orion mode switch sim)',
  );
}

/** Writes the audit record of a new version inside its transaction. */
export type LimitsRecorder = (tx: Queryable, written: LimitsVersion) => Promise<void>;

/** Restores version `to` exactly, as a new version (history is never rewritten); `record` as for `writeLimits`. */
export async function rollbackLimits(store: Store, chainId: number, to: number, actor: string, comment: string | null, record?: LimitsRecorder): Promise<LimitsVersion> {
  if (!Number.isInteger(to) || to < 1) throw new InputError(`the version to roll back to must be a whole number from 1, got ${to}`);
  const { rows } = await store.query<LimitsRow>(`select ${COLUMNS} from limits where version = $1`, [to]);
  if (rows[0] === undefined) throw new InputError(`there is no limits version ${to}`);
  const target = toVersion(rows[0]);
  return writeLimits(store, chainId, () => target.limits, actor, comment ?? `rollback to version ${to}`, undefined, record);
}

/**
 * `current`, when it was written for `chainId`. The limits, breaker trips (at block numbers) and
 * the kill switch are one chain's: a database that followed another chain would otherwise judge
 * this one by that chain's gas price cap and token limits (tokens by address, which differ per
 * chain, so a per-token loss limit would silently not apply). One database follows one chain.
 */
function sameChain(current: LimitsVersion, chainId: number): LimitsVersion {
  if (current.chainId === chainId) return current;
  throw new ConfigError(
    `this database's protections belong to chain ${current.chainId} (limits version ${current.version}), not chain ${chainId}: one database ` +
    `follows one chain (its limits, breakers and kill switch are that chain's); give chain ${chainId} its own database (DATABASE_URL, or ORION_DATA_DIR for the embedded one)`,
  );
}

async function insertVersion(tx: Queryable, chainId: number, version: number, limits: Limits, changes: LimitChange[], actor: string, comment: string | null): Promise<LimitsVersion> {
  const { rows } = await tx.query<LimitsRow>(
    `insert into limits (version, chain_id, limits, changes, actor, comment) values ($1, $2, $3::jsonb, $4::jsonb, $5, $6) returning ${COLUMNS}`,
    [version, chainId, JSON.stringify(limitsToJson(limits)), JSON.stringify(changes), actor, comment],
  );
  return toVersion(rows[0]!);
}
