import { StoreError } from './errors.ts';
import type { Queryable } from './types.ts';

/** A JSON value as stored in `settings.value` (amounts go in as decimal strings, never numbers). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One row of `settings`. */
export interface Setting {
  key: string;
  value: JsonValue;
  updatedAt: Date;
}

/** Reads and writes run-time settings; pass the store or a transaction. */
export interface SettingsRepository {
  get(key: string): Promise<Setting | undefined>;
  /** Inserts or replaces the value of `key`. */
  set(key: string, value: JsonValue): Promise<Setting>;
  /** Removes `key`; false if it was absent. */
  delete(key: string): Promise<boolean>;
  /** Every setting, by key. */
  list(): Promise<Setting[]>;
}

interface SettingRow {
  key: string;
  value: JsonValue;
  updated_at: Date;
  [column: string]: unknown;
}

const toSetting = (row: SettingRow): Setting => ({ key: row.key, value: row.value, updatedAt: row.updated_at });

/** The settings repository over `db` (a Store, or the tx of a transaction). */
export function createSettingsRepository(db: Queryable): SettingsRepository {
  return {
    async get(key) {
      const { rows } = await db.query<SettingRow>('select key, value, updated_at from settings where key = $1', [key]);
      return rows[0] === undefined ? undefined : toSetting(rows[0]);
    },
    async set(key, value) {
      if (key === '') throw new StoreError('setting key is empty');
      checkJson(value, `setting ${key}`);
      const { rows } = await db.query<SettingRow>(
        `insert into settings (key, value) values ($1, $2::jsonb)
         on conflict (key) do update set value = excluded.value, updated_at = now()
         returning key, value, updated_at`,
        [key, JSON.stringify(value)],
      );
      return toSetting(rows[0] as SettingRow);
    },
    async delete(key) {
      return (await db.query('delete from settings where key = $1', [key])).rowCount > 0;
    },
    async list() {
      return (await db.query<SettingRow>('select key, value, updated_at from settings order by key')).rows.map(toSetting);
    },
  };
}

/** JSON.stringify would silently turn NaN into null and throw a vague error on bigint: say which. */
function checkJson(value: unknown, where: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreError(`${where}: ${value} is not a JSON number`);
    return;
  }
  if (typeof value === 'bigint') throw new StoreError(`${where}: ${value}n is a bigint; store amounts as decimal strings`);
  if (Array.isArray(value)) return value.forEach((item, i) => checkJson(item, `${where}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkJson(v, `${where}.${k}`);
    return;
  }
  throw new StoreError(`${where}: a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value} is not a JSON value`);
}
