import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli.ts';
import { loadConfig, type Config } from '../../config.ts';
import { freePort, startAnvil, type Anvil } from '../../devnet/anvil.ts';
import { migrate, openStore } from '../../store/index.ts';
import { freshPgliteDataDir } from '../../store/test-store.ts';
import { takeBackup } from '../backup/index.ts';
import { auditCheck, doctorChecks, runDoctor, type DoctorCheck, type NamedResult } from './index.ts';
import { backupAgeCheck } from './backup-check.ts';
import { databaseCheck } from './database-check.ts';
import { diskCheck } from './disk-check.ts';
import { executorCheck } from './executor-check.ts';
import { redisCheck } from './redis-check.ts';
import { rpcChecks } from './rpc-check.ts';

const redisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const root = mkdtempSync(join(tmpdir(), 'orion-doctor-'));
const OWNER = '0x00000000000000000000000000000000000000aa';
const EXECUTOR = '0x00000000000000000000000000000000000e0e0e';
const NO_CODE = '0x00000000000000000000000000000000000bad00';
// Runtime code answering any call with OWNER as one word: PUSH20 OWNER PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
const OWNER_CODE = `0x73${OWNER.slice(2)}60005260206000f3`;

let ahead: Anvil;
let behind: Anvil;
let dataDir: string;
let closedPort: number;

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await response.json()) as { result: unknown }).result;
}

function config(env: Record<string, string> = {}): Config {
  return loadConfig({ ORION_DATA_DIR: dataDir, ORION_BACKUP_DIR: join(root, 'backups'), ORION_MAX_STALE_BLOCKS: '2', ...env }, { cwd: root });
}

async function results(checks: DoctorCheck[], env: Record<string, string> = {}, now?: Date): Promise<NamedResult[]> {
  return runDoctor(config(env), checks, now);
}

const verdicts = (list: NamedResult[]): string[] => list.map((r) => `${r.name}: ${r.verdict}`);

beforeAll(async () => {
  [ahead, behind] = await Promise.all([startAnvil(), startAnvil()]);
  await rpc(ahead.rpcUrl, 'anvil_mine', ['0xa']); // 10 blocks ahead of the other endpoint
  await rpc(ahead.rpcUrl, 'anvil_setCode', [EXECUTOR, OWNER_CODE]);
  dataDir = await freshPgliteDataDir();
  const store = await openStore({ dataDir });
  await migrate(store);
  await takeBackup(store, join(root, 'backups'));
  await store.close();
  closedPort = await freePort();
  writeFileSync(join(root, 'snapshot.json'), JSON.stringify({ chainId: 31337 }));
});
afterAll(async () => {
  await Promise.all([ahead?.stop(), behind?.stop()]);
  rmSync(root, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('orion doctor', () => {
  it('a healthy installation: every check ok (or skipped when not configured), exit 0, --json', async () => {
    const env = { REDIS_URL: redisUrl, ORION_RPC_URLS: `${ahead.rpcUrl},${ahead.wsUrl}`, ORION_SNAPSHOT: join(root, 'snapshot.json'), ORION_EXECUTOR_ADDRESS: EXECUTOR };
    const list = await results(doctorChecks(config(env)), env);
    expect(verdicts(list)).toEqual([
      'database: ok', 'redis: ok', 'rpc primary: ok', 'rpc #2: ok', 'disk data: ok', 'disk backups: ok', 'audit chain: ok', 'last backup: ok', 'executor contract: ok',
    ]);
    expect(list.find((r) => r.name === 'executor contract')!.detail).toContain(`owner ${OWNER}`);

    let out = '';
    const saved = { ...process.env };
    Object.assign(process.env, { ORION_DATA_DIR: dataDir, ORION_BACKUP_DIR: join(root, 'backups'), ...env });
    delete process.env['DATABASE_URL'];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += chunk.toString()), true));
    try {
      expect(await main(['doctor', '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
      process.env = saved;
    }
    expect(JSON.parse(out)).toMatchObject({ ok: true, checks: expect.arrayContaining([{ name: 'redis', verdict: 'ok', detail: expect.stringContaining('PONG') }]) });
  });

  it('database: unreachable fails, pending migrations fail', async () => {
    expect(verdicts(await results([databaseCheck], { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/test` }))).toEqual(['database: fail']);
    const unmigrated = await freshPgliteDataDir();
    try {
      const [result] = await results([databaseCheck], { ORION_DATA_DIR: unmigrated });
      expect(result).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/migration\(s\) pending .*run orion migrate/) });
    } finally {
      rmSync(unmigrated, { recursive: true, force: true });
    }
  });

  it('redis: a closed port fails', async () => {
    const [result] = await results([redisCheck], { REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    expect(result).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('connection failed') });
  });

  it('rpc: a lagging endpoint, a dead one and a wrong chain fail', async () => {
    const env = { ORION_RPC_URLS: `${ahead.rpcUrl},${behind.rpcUrl},http://127.0.0.1:${closedPort}`, ORION_SNAPSHOT: join(root, 'snapshot.json') };
    const list = await results(rpcChecks(config(env)), env);
    expect(verdicts(list)).toEqual(['rpc primary: ok', 'rpc #2: fail', 'rpc #3: fail']);
    expect(list[1]!.detail).toMatch(/10 block\(s\) behind the highest endpoint \(more than ORION_MAX_STALE_BLOCKS=2\)/);
    writeFileSync(join(root, 'mainnet.json'), JSON.stringify({ chainId: 1 }));
    const wrong = { ORION_RPC_URLS: ahead.rpcUrl, ORION_SNAPSHOT: join(root, 'mainnet.json') };
    const [mismatch] = await results(rpcChecks(config(wrong)), wrong);
    expect(mismatch).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('chain id 31337, expected 1 (ORION_SNAPSHOT)') });
  });

  it('disk: a nearly full file system fails', async () => {
    const mount = join(root, 'small');
    mkdirSync(mount);
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and must run as root (as CI does)');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
    try {
      const [result] = await results([diskCheck('backups')], { ORION_BACKUP_DIR: join(mount, 'backups') });
      expect(result).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/free of 8\.0 MiB .*below 256\.0 MiB/) });
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('audit chain: a broken chain fails, an unplugged verifier warns', async () => {
    // The audit log's table comes with the migrations (src/audit, migration 0004).
    {
      const broken = auditCheck(async () => ({ ok: false, reason: 'entry 7 does not hash to its successor' }));
      expect(await results([broken, auditCheck()])).toMatchObject([
        { verdict: 'fail', detail: 'chain broken: entry 7 does not hash to its successor' },
        { verdict: 'warn' },
      ]);
    }
  });

  it('last backup: none fails, one older than two intervals fails', async () => {
    const [none] = await results([backupAgeCheck], { ORION_BACKUP_DIR: join(root, 'empty-backups') });
    expect(none).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('no backup in') });
    const oldDir = join(root, 'old-backups');
    const store = await openStore({ dataDir });
    const old = await takeBackup(store, oldDir);
    await store.close();
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old.file, hourAgo, hourAgo);
    const [stale] = await results([backupAgeCheck], { ORION_BACKUP_DIR: oldDir, ORION_BACKUP_INTERVAL: '300' });
    expect(stale).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/older than 600 s/) });
  });

  it('executor: no code at the address fails; set without an RPC fails', async () => {
    const [noCode] = await results([executorCheck], { ORION_RPC_URLS: ahead.rpcUrl, ORION_EXECUTOR_ADDRESS: NO_CODE, ORION_SNAPSHOT: join(root, 'snapshot.json') });
    expect(noCode).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('no contract code') });
    const [noRpc] = await results([executorCheck], { ORION_EXECUTOR_ADDRESS: EXECUTOR });
    expect(noRpc).toMatchObject({ verdict: 'fail' });
  });

  it('a failing check exits 1 with one stderr line naming it', async () => {
    let err = '';
    const saved = { ...process.env };
    Object.assign(process.env, { ORION_DATA_DIR: dataDir, ORION_BACKUP_DIR: join(root, 'empty-backups'), REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += chunk.toString()), true));
    try {
      expect(await main(['doctor'])).toBe(1);
    } finally {
      spy.mockRestore();
      out.mockRestore();
      process.env = saved;
    }
    expect(err).toBe('orion: doctor: 2 check(s) failed: redis, last backup\n');
  });
});
