import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { restoreBackup, writeBackup } from '../src/ops/backup/index.ts';
import { loadMigrations, migrate, openStore, type Migration, type Store } from '../src/store/index.ts';

// `npm run bench -- backup [--rows 1000000] [--backend pglite|postgres|both]`: backup and restore
// time and file size of a ledger of N opportunity rows. The ledger (issue: ledger) is not on this
// branch yet, so the rows go into a stand-in `bench_opportunity` table of the same shape (block,
// route as jsonb, amounts as numeric(78,0), timestamps) added by a throwaway migration, in a
// fresh PGlite folder and a fresh schema of TEST_DATABASE_URL. The restore goes into an empty,
// unmigrated database and includes its verification (every table re-read and hashed): that
// restore time is the RTO we state. Prints one JSON line per backend, with the machine's load.
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, backend: { type: 'string', default: 'both' } } });
const ROWS = Number(values.rows);
if (!Number.isInteger(ROWS) || ROWS <= 0) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
const backends = values.backend === 'both' ? ['pglite', 'postgres'] : [values.backend!];
const databaseUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const LEDGER_SQL = `create table bench_opportunity (
  id bigint generated always as identity primary key,
  chain_id bigint not null,
  block_number numeric(78, 0) not null,
  block_hash text not null,
  route jsonb not null,
  amount_in numeric(78, 0) not null,
  expected_profit numeric(78, 0) not null,
  gas_estimate bigint not null,
  flash_source text not null,
  detected_at timestamptz not null
);
create index bench_opportunity_block on bench_opportunity (block_number);`;
const migrations: Migration[] = [...loadMigrations(), { version: 9001, name: '9001_bench_opportunity.sql', sql: LEDGER_SQL, checksum: createHash('sha256').update(LEDGER_SQL).digest('hex') }];

// Filled by the database itself (generate_series), 50k rows per statement.
async function fill(store: Store): Promise<void> {
  for (let from = 1; from <= ROWS; from += 50_000) {
    const to = Math.min(ROWS, from + 49_999);
    await store.query(`insert into bench_opportunity (chain_id, block_number, block_hash, route, amount_in, expected_profit, gas_estimate, flash_source, detected_at)
      select 1, 21000000 + g / 3, '0x' || md5(g::text) || md5((g + 1)::text),
        jsonb_build_array(
          jsonb_build_object('protocol', 'uniswap-v2', 'pool', '0x' || substr(md5((g % 997)::text), 1, 40), 'fee', 3000, 'zeroForOne', g % 2 = 0),
          jsonb_build_object('protocol', 'uniswap-v3', 'pool', '0x' || substr(md5((g % 991)::text), 1, 40), 'fee', 500, 'zeroForOne', g % 3 = 0)),
        (g::numeric * 1000000000000000) + 123456789, (g % 10000)::numeric * 1000000000 + 7, 180000 + g % 50000,
        case when g % 3 = 0 then 'balancer' else 'uniswap-v3-flash' end,
        timestamptz '2026-12-01 00:00:00+00' + g * interval '12 milliseconds'
      from generate_series($1::int, $2::int) g`, [from, to]);
  }
}

async function open(backend: string): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'orion-bench-pglite-'));
    const store = await openStore({ dataDir: dir });
    return { store, drop: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ databaseUrl, schema, maxConnections: 2 });
  return {
    store,
    drop: async () => {
      await store.close();
      const admin = await openStore({ databaseUrl, maxConnections: 1 });
      await admin.exec(`drop schema ${schema} cascade`);
      await admin.close();
    },
  };
}

const folder = mkdtempSync(join(tmpdir(), 'orion-bench-backup-'));
try {
  for (const backend of backends) {
    const source = await open(backend);
    const target = await open(backend);
    try {
      await migrate(source.store, migrations);
      await fill(source.store);
      const file = join(folder, `${backend}.jsonl`);
      const loadBefore = loadavg()[0];
      let started = performance.now();
      await writeBackup(source.store, file);
      const backupMs = performance.now() - started;
      started = performance.now();
      const restore = await restoreBackup(target.store, file, { migrations });
      const restoreMs = performance.now() - started;
      process.stdout.write(`${JSON.stringify({
        bench: 'backup', backend, rows: ROWS, totalRows: restore.rows,
        backupSeconds: +(backupMs / 1000).toFixed(1), backupRowsPerSecond: Math.round(restore.rows / (backupMs / 1000)),
        fileBytes: statSync(file).size, bytesPerRow: Math.round(statSync(file).size / ROWS),
        restoreSeconds: +(restoreMs / 1000).toFixed(1), restoreRowsPerSecond: Math.round(restore.rows / (restoreMs / 1000)),
        load1mBefore: loadBefore, load1mAfter: loadavg()[0], cpus: cpus().length, node: process.version,
      })}\n`);
    } finally {
      await source.drop();
      await target.drop();
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
