import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { StoreError } from './errors.ts';
import { QueryError } from './normalise.ts';
import { openPgliteStore } from './pglite-store.ts';
import { forEachBackend } from './test-store.ts';
import type { Queryable } from './types.ts';

const MAX_UINT256 = 2n ** 256n - 1n;
const SAMPLES = [0n, 1n, 2n ** 53n + 1n, 2n ** 64n, 10n ** 77n, 2n ** 255n + 12_345n, MAX_UINT256];

forEachBackend('store query layer', (db) => {
  it('normalises values the same way on both backends', async () => {
    const { rows } = await db.store.query(
      `select 9007199254740993::int8 as big, 7::int4 as small, 12.50::numeric(10,2) as ratio, '{"a":[1,"2"]}'::jsonb as doc,
              '2024-11-01T00:00:00Z'::timestamptz as at, array[1, 9007199254740993]::int8[] as bigs, null::int8 as nothing`,
    );
    expect(rows).toEqual([
      { big: 9007199254740993n, small: 7, ratio: '12.50', doc: { a: [1, '2'] }, at: new Date('2024-11-01T00:00:00Z'), bigs: [1n, 9007199254740993n], nothing: null },
    ]);
  });

  it('round-trips numeric(78,0) up to 2^256-1 as bigint, row by row and in one unnest batch', async () => {
    await db.store.exec('create table amounts (id int primary key, amount numeric(78,0) not null)');
    for (const [i, amount] of SAMPLES.entries()) await db.store.query('insert into amounts values ($1, $2)', [i, amount]);
    const { rows } = await db.store.query<{ id: number; amount: bigint }>('select id, amount from amounts order by id', [], { bigint: ['amount'] });
    expect(rows.map((row) => row.amount)).toEqual(SAMPLES);
    expect(rows.every((row) => typeof row.amount === 'bigint')).toBe(true);

    await db.store.query('insert into amounts select * from unnest($1::int[], $2::numeric[])', [SAMPLES.map((_, i) => 100 + i), SAMPLES]);
    const batch = await db.store.query('select amount from amounts where id >= 100 order by id', [], { bigint: ['amount'] });
    expect(batch.rows.map((row) => row['amount'])).toEqual(SAMPLES);
    // Arithmetic happens in the database exactly, too.
    const sum = await db.store.query('select sum(amount) as total from amounts where id >= 100', [], { bigint: ['total'] });
    expect(sum.rows[0]?.['total']).toBe(SAMPLES.reduce((a, b) => a + b, 0n));
  });

  it('round-trips 300 random int256/uint256 values exactly (one batch, signed too)', async () => {
    const values = fc.sample(fc.bigInt({ min: -(2n ** 255n), max: MAX_UINT256 }), { numRuns: 300, seed: 42 });
    await db.store.exec('create table random_amounts (id int primary key, amount numeric(78,0) not null)');
    await db.store.query('insert into random_amounts select * from unnest($1::int[], $2::numeric[])', [values.map((_, i) => i), values]);
    const { rows } = await db.store.query<{ amount: bigint }>('select amount from random_amounts order by id', [], { bigint: ['amount'] });
    expect(rows.map((row) => row.amount)).toEqual(values);
  });

  it('refuses a value wider than numeric(78,0), naming the SQL', async () => {
    const error = await db.store.query('insert into amounts values (999, $1)', [10n ** 78n]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe('22003');
    expect((error as Error).message).toMatch(/numeric field overflow.*in: insert into amounts values \(999, \$1\)/);
  });

  it('rejects a bigint hint on a fractional value or a missing column', async () => {
    await expect(db.store.query('select 1.5::numeric as x', [], { bigint: ['x'] })).rejects.toThrow(/column x is "1.5", not an integer/);
    await expect(db.store.query('select 1 as x', [], { bigint: ['y'] })).rejects.toThrow(/column y \(asked as bigint\) is not in the result/);
  });

  it('reports rowCount for reads and writes', async () => {
    await db.store.exec('create table counts (n int)');
    expect((await db.store.query('insert into counts select generate_series(1, 5)')).rowCount).toBe(5);
    expect((await db.store.query('update counts set n = n + 1 where n > 2')).rowCount).toBe(3);
    expect((await db.store.query('select * from counts where n > 100')).rowCount).toBe(0);
  });

  it('runs a statement prepared under a name again and again, on the store and in transactions, with its own parameters each time', async () => {
    await db.store.exec('create table prepared_probe (id int primary key, v numeric(78,0))');
    const insert = 'insert into prepared_probe (id, v) values ($1, $2::numeric) returning v';
    for (let i = 0; i < 5; i++) {
      // PostgreSQL's pool hands out different connections: each prepares it on first use.
      const { rows } = await db.store.query<{ v: bigint }>(insert, [i, 2n ** 200n + BigInt(i)], { bigint: ['v'], prepare: 'probe_insert' });
      expect(rows).toEqual([{ v: 2n ** 200n + BigInt(i) }]);
    }
    const prepared = await db.store.transaction(async (tx) => {
      await tx.query(insert, [10, 7n], { prepare: 'probe_insert' });
      // The server's own record of the session's prepared statements (PGlite ignores the name).
      return (await tx.query<{ statement: string }>("select statement from pg_prepared_statements where name = 'probe_insert'")).rows;
    });
    expect(prepared).toEqual(db.backend === 'postgres' ? [{ statement: insert }] : []);
    // A failing execution of the prepared statement (a duplicate key) leaves it usable.
    await expect(db.store.query(insert, [10, 8n], { prepare: 'probe_insert' })).rejects.toThrow(/23505|duplicate/);
    await db.store.query(insert, [11, 9n], { prepare: 'probe_insert' });
    const { rows } = await db.store.query<{ id: number; v: bigint }>('select id, v from prepared_probe order by id', [], { bigint: ['v'] });
    expect(rows.map((r) => [r.id, r.v])).toEqual([...[0, 1, 2, 3, 4].map((i) => [i, 2n ** 200n + BigInt(i)]), [10, 7n], [11, 9n]]);
  });

  it('commits a transaction that resolves', async () => {
    await db.store.exec('create table entries (id int primary key, note text)');
    const value = await db.store.transaction(async (tx) => {
      await tx.query('insert into entries values (1, $1)', ['kept']);
      return 'done';
    });
    expect(value).toBe('done');
    expect((await db.store.query('select note from entries')).rows).toEqual([{ note: 'kept' }]);
  });

  it('rolls back everything when the function throws: nothing half-written', async () => {
    const failure = new Error('boom after two writes');
    await expect(
      db.store.transaction(async (tx) => {
        await tx.query('insert into entries values (2, $1)', ['first']);
        await tx.query('update entries set note = $1 where id = 1', ['changed']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await db.store.query('select id, note from entries order by id')).rows).toEqual([{ id: 1, note: 'kept' }]);
  });

  it('rolls back when a statement fails (unique violation) and reports its SQLSTATE', async () => {
    const error = await db.store
      .transaction(async (tx) => {
        await tx.query('insert into entries values (3, $1)', ['third']);
        await tx.query('insert into entries values (1, $1)', ['duplicate']);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe('23505');
    expect((await db.store.query('select id from entries order by id')).rows).toEqual([{ id: 1 }]);
  });

  it('refuses the store inside its own transaction and a tx used after it ended', async () => {
    let leaked: Queryable | undefined;
    await expect(
      db.store.transaction(async (tx) => {
        leaked = tx;
        await db.store.query('select 1');
      }),
    ).rejects.toThrow(/store used inside its own transaction\(\): run queries on the tx argument/);
    await expect(leaked?.query('select 1')).rejects.toThrow(/transaction already finished/);
    // The store is still usable afterwards.
    expect((await db.store.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
  });
});

forEachBackend('store lifecycle', (db) => {
  it('names the backend and location, and fails clearly once closed', async () => {
    expect(db.store.location).toMatch(db.backend === 'pglite' ? /orion-store-.*\/pglite$/ : /^postgres(ql)?:\/\/.*\(schema test_[0-9a-f]{12}\)$/);
    await db.store.close();
    await db.store.close(); // idempotent
    const error = await db.store.query('select 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/store .* is closed/);
  });
});

it('runs the embedded database with small shared buffers (PGlite\'s 128 MB default costs ~150 MB of RSS)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-pglite-conf-'));
  const store = await openPgliteStore(dir);
  try {
    expect((await store.query('show shared_buffers')).rows).toEqual([{ shared_buffers: '32MB' }]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
