import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stateToJson } from '../src/market/pool-state-json.ts';
import { readSnapshotFile } from '../src/market/snapshot.ts';
import { readAuditHead, writeBackup } from '../src/ops/backup/index.ts';
import { DEFAULT_SCANNER_BENCH_SNAPSHOT } from '../src/scanner/bench-snapshot.ts';
import { migrate, openStore } from '../src/store/index.ts';
import { createMarketPersistence } from '../src/store/market-persistence.ts';

// `npm run bench -- backup-hold [--snapshot FILE] [--runs 3]`: how long a PGlite backup holds the
// embedded database's one connection. A backup reads every table in one transaction (one
// snapshot, so the file restores); on PGlite every other query waits for it meanwhile. The
// market of the snapshot (default: the real 10,773-pair Ethereum V2 one) is stored as the
// market sync does (tokens, pools with their state as JSON) in a fresh PGlite folder; then each
// run starts a backup and, once it is under way, one small write (a settings row, what an
// intent commit or a ledger flush would be), and prints how long the backup took and how long
// that write waited. One JSON line per run.
const { values } = parseArgs({ options: { snapshot: { type: 'string', default: DEFAULT_SCANNER_BENCH_SNAPSHOT }, runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

const snapshot = (await readSnapshotFile(values.snapshot!)).snapshot;
const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-backup-hold-'));
const store = await openStore({ dataDir });
try {
  await migrate(store);
  const market = createMarketPersistence(store);
  const tokens = new Map(snapshot.pools.flatMap((p) => [p.token0, p.token1]).map((t) => [t.address, t]));
  await market.saveTokens(snapshot.chainId, [...tokens.values()].map((t) => ({ address: t.address, symbol: t.symbol, name: null, decimals: t.decimals, decimalsKnown: true, unsafeReason: null })));
  const pools = snapshot.pools.map((p) => ({ address: p.address, protocol: p.protocol, token0: p.token0.address, token1: p.token1.address, fee: p.fee, tickSpacing: p.protocol === 'uniswap-v3' ? p.tickSpacing : null }));
  await market.addPools(snapshot.chainId, pools);
  await market.updatePools(snapshot.chainId, snapshot.pools.map((p) => ({ address: p.address, state: stateToJson({ snapshot: p }), excludedReason: null })));
  const folder = join(dataDir, 'backups');
  mkdirSync(folder);
  for (let run = 1; run <= runs; run += 1) {
    const file = join(folder, `run-${run}.jsonl`);
    const loadBefore = loadavg()[0];
    const started = performance.now();
    // The write is sent once the backup is inside its transaction (it reads the audit head there,
    // before the first table), so its wait is the backup's hold on the connection.
    let inside: () => void = () => undefined;
    const under = new Promise<void>((resolve) => (inside = resolve));
    const backup = writeBackup(store, file, { auditHead: (db) => (inside(), readAuditHead(db)) });
    await under;
    const writeStarted = performance.now();
    await store.query(`insert into settings (key, value) values ('bench.backup-hold', $1::jsonb) on conflict (key) do update set value = excluded.value`, [JSON.stringify(run)]);
    const writeMs = performance.now() - writeStarted;
    const result = await backup;
    const backupMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({
      bench: 'backup-hold', run, pools: snapshot.pools.length, tokens: tokens.size, rows: result.manifest.tables.reduce((sum, t) => sum + t.rows, 0),
      backupMs: Math.round(backupMs), writeWaitedMs: Math.round(writeMs), fileBytes: statSync(file).size,
      load1mBefore: loadBefore, load1mAfter: loadavg()[0], cpus: cpus().length, node: process.version,
    })}\n`);
  }
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
