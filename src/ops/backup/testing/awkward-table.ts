import { createHash } from 'node:crypto';
import { loadMigrations, type Migration, type Queryable } from '../../../store/index.ts';

/**
 * Test fixture: the project's migrations plus one more (version 9000) adding a table of every
 * awkward type a backup must carry exactly (uint256 at numeric(78,0)'s limit, jsonb with
 * unicode and big numbers, timestamptz to the microsecond, bytea of every byte value, arrays,
 * an identity column, NULLs, text keys whose order differs between collations), and rows for
 * the project's own tables. Test-only: the ledger is not on this branch yet.
 */

const AWKWARD_SQL = `create table awkward (
  id bigint generated always as identity primary key,
  label text not null unique,
  amount numeric(78, 0),
  payload jsonb,
  at timestamptz,
  raw bytea,
  tags text[],
  ratio double precision
);
create table awkward_child (
  awkward_id bigint not null references awkward (id),
  note text not null,
  primary key (awkward_id, note)
);`;

/** The project's migrations and the awkward table's. */
export function migrationsWithAwkwardTable(): Migration[] {
  const sql = AWKWARD_SQL;
  return [...loadMigrations(), { version: 9000, name: '9000_awkward.sql', sql, checksum: createHash('sha256').update(sql).digest('hex') }];
}

/** 2^256 - 1: the largest uint256. */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Fills the project's tables and the awkward ones with `rows` awkward rows (deterministic). */
export async function fillAwkwardRows(db: Queryable, rows: number): Promise<void> {
  await db.query(`insert into settings (key, value) values ('mode', '"sim"'::jsonb), ('limits', $1::jsonb)`, [JSON.stringify({ maxLoss: MAX_UINT256.toString(), note: 'naïve – ✓' })]);
  await db.query(`insert into chain_checkpoint (chain_id, block_number, block_hash) values (31337, $1::numeric, $2)`, [123456789n, `0x${'ab'.repeat(32)}`]);
  await db.query(`insert into market_sync (chain_id, block_number, block_hash, discovered_to, status) values (31337, 100, $1, null, 'complete')`, [`0x${'cd'.repeat(32)}`]);
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (let i = 0; i < rows; i += 1) {
    const label = ['a', 'B', 'b', 'A', '_z', 'Z', 'é', 'e'][i % 8]! + String(i);
    const amount = i === 0 ? MAX_UINT256 : i % 5 === 0 ? null : BigInt(i) * 10n ** 18n + 1n;
    await db.query(
      `insert into awkward (label, amount, payload, at, raw, tags, ratio) values ($1, $2::numeric, $3::jsonb, $4::timestamptz, $5, $6::text[], $7)`,
      [label, amount, JSON.stringify({ i, big: MAX_UINT256.toString(), s: 'quote " backslash \\ tab\t✓' }), `2026-12-02 03:04:05.${String(123456 + i).padStart(6, '0')}+05:30`, i % 3 === 0 ? every : Buffer.from([i & 255]), [`t${i}`, 'with,comma', 'x"y'], i / 7],
    );
    if (i % 2 === 0) await db.query(`insert into awkward_child (awkward_id, note) select id, 'child of ' || label from awkward where label = $1`, [label]);
  }
}
