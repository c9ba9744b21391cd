import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signInFirstAdmin } from './first-admin.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKUP_FILE_PATTERN, BACKUP_ORDER_FILE, restoreBackup, verifyBackupFile, writeBackup } from '../../src/ops/backup/index.ts';
import { openStore, pgliteFolder, type Store } from '../../src/store/index.ts';
import { openTestStore, testBackends } from '../../src/store/test-store.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'orion.js');
const dataDir = mkdtempSync(join(tmpdir(), 'orion-sigterm-'));
const backupDir = join(dataDir, 'backups');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Health {
  engine: { blocksScanned: number; market: { monitor: { tip: { number: string } } } } | null;
  backup: { last: { file: string } | null; failures: number } | null;
}

/** The engine's market rows as the store returns them (independent of the backup's text form). */
async function engineRows(store: Store): Promise<unknown[]> {
  const pools = await store.query('select chain_id, address, protocol, token0, token1, fee, tick_spacing, state, excluded_reason from market_pool order by address');
  const sync = await store.query('select chain_id, block_number, block_hash, status, updated_at from market_sync');
  const tokens = await store.query('select chain_id, address, symbol, decimals, unsafe_reason from market_token order by address');
  return [...pools.rows, ...sync.rows, ...tokens.rows];
}

describe('orion start: graceful shutdown on SIGTERM', () => {
  it('stops mid-stream with nothing half-written: checkpoints agree, every backup verifies, the database is closed; its data round-trips on every backend', async () => {
    let output = '';
    // Backups every second so one is likely in flight when the signal lands; blocks every second.
    const child: ChildProcess = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, PORT: '0', ORION_DATA_DIR: dataDir, ORION_BACKUP_DIR: backupDir, ORION_BACKUP_INTERVAL: '1', ORION_BACKUP_KEEP: '100', ORION_BLOCK_TIME: '1', ORION_FLOW_RATE: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines: Array<() => void> = [];
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      lines.splice(0).forEach((wake) => wake());
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    const nextOutput = (): Promise<void> => new Promise((resolve) => lines.push(resolve));
    try {
      while (!/ready: (http:\/\/127\.0\.0\.1:\d+)/.test(output)) {
        if (child.exitCode !== null) throw new Error(`orion exited before ready:\n${output}`);
        await Promise.race([nextOutput(), exited]);
      }
      const url = /ready: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      // /health's detail is for signed-in users: the first-run admin.
      const token = await signInFirstAdmin(url, dataDir);
      // Wait for blocks to flow and a scheduled backup to exist (polling /health: the server pushes nothing yet).
      let health: Health;
      for (;;) {
        health = (await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as Health;
        if ((health.engine?.blocksScanned ?? 0) >= 3 && health.backup?.last !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const tipBeforeSignal = BigInt(health.engine!.market.monitor.tip.number);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toMatch(/SIGTERM: stopping…\n(.|\n)*stopped\n$/);
      expect(output).not.toMatch(/backup failed|unexpected failure/);

      // The database was closed: the folder lock is gone and another process may open it.
      expect(existsSync(`${pgliteFolder(dataDir)}.lock`)).toBe(false);
      const store = await openStore({ dataDir });
      try {
        const sync = (await store.query<{ block_number: bigint; block_hash: string; status: string }>('select block_number, block_hash, status from market_sync', [], { bigint: ['block_number'] })).rows;
        const checkpoint = (await store.query<{ block_number: bigint; block_hash: string }>('select block_number, block_hash from chain_checkpoint', [], { bigint: ['block_number'] })).rows;
        expect(sync).toHaveLength(1);
        expect(sync[0]!.status).toBe('complete');
        // Written in one transaction at the block the engine finished: they agree, and the stop
        // checkpoint is at least as new as the block /health showed before the signal.
        expect(checkpoint).toEqual([{ block_number: sync[0]!.block_number, block_hash: sync[0]!.block_hash }]);
        expect(sync[0]!.block_number).toBeGreaterThanOrEqual(tipBeforeSignal);
        const pending = await store.query<{ n: bigint }>('select count(*) as n from market_pool where state is null and excluded_reason is null');
        expect(pending.rows[0]!.n).toBe(0n);
      } finally {
        await store.close();
      }

      // Every backup is whole (no temp file left, each verifies against its manifest); beside
      // them only the schedule's record of the order it wrote them in.
      const files = readdirSync(backupDir);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const backups = files.filter((f) => BACKUP_FILE_PATTERN.test(f));
      expect(backups.length).toBeGreaterThan(0);
      expect(files.filter((f) => !BACKUP_FILE_PATTERN.test(f) && f !== BACKUP_ORDER_FILE)).toEqual([]);
      for (const file of backups) await verifyBackupFile(join(backupDir, file));

      // The engine's real data round-trips: a backup of the stopped database restores into an
      // empty one on every backend with the same pools, states and checkpoints.
      const final = join(dataDir, 'final.jsonl');
      const source = await openStore({ dataDir });
      let expected: unknown[];
      try {
        await writeBackup(source, final);
        expected = await engineRows(source);
      } finally {
        await source.close();
      }
      expect(expected.length).toBeGreaterThan(20);
      for (const backend of testBackends()) {
        const target = await openTestStore(backend, { migrate: false });
        try {
          // A schema of the shared test server, which the other test files running beside this one
          // also use (their own schemas): their sessions are not an Orion server under this restore.
          await restoreBackup(target.store, final, { allowOtherSessions: true });
          expect(await engineRows(target.store)).toEqual(expected);
        } finally {
          await target.cleanup();
        }
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
